/*
 * locksim clock shim: an LD_PRELOAD library that fakes the REALTIME clock of one process
 * (a redis-server node), and nothing else.
 *
 * Faked:    clock_gettime(CLOCK_REALTIME), clock_gettime(CLOCK_REALTIME_COARSE),
 *           gettimeofday(), time()          -- what Redis expires keys by (mstime/ustime, TIME).
 * Untouched: every other clock id (CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
 *           CLOCK_PROCESS_CPUTIME_ID, ...) returns exactly what the kernel says.
 *
 * ---------------------------------------------------------------------------------------------
 * Control file
 * ---------------------------------------------------------------------------------------------
 * Named by the environment variable LOCKSIM_CLOCK_FILE. It holds one line of ASCII:
 *
 *     <anchor_real_ns> <anchor_fake_ns> <rate>\n
 *
 *   anchor_real_ns  a real CLOCK_REALTIME reading, integer nanoseconds since the epoch
 *   anchor_fake_ns  the faked time at that instant, integer nanoseconds since the epoch
 *   rate            decimal number > 0 (e.g. 1, 2, 0.5, 1.000250): fake seconds per real second
 *
 *     fake(real) = anchor_fake_ns + (real - anchor_real_ns) * rate
 *
 * i.e. "offset" = anchor_fake_ns - anchor_real_ns at the anchor. The writer (ClockControl in
 * src/real/clock-shim.ts) keeps time continuous: a rate change re-anchors at the current instant
 * (anchor_real = now, anchor_fake = fake(now) under the old line), a jump adds to anchor_fake.
 * Anything after the third field is ignored, as are leading blank/`#` comment lines. The writer
 * replaces the file atomically (write a temporary file in the same folder, rename it over), so a
 * reader sees either the old or the new line, never a mix.
 *
 * If the variable is unset, or the file is missing or malformed at start, the shim passes the
 * real time through (rate 1, offset 0). If a later read fails or is malformed, the last good
 * line stays in force.
 *
 * The file is re-read at most every LOCKSIM_CLOCK_REFRESH_US microseconds of real time
 * (default 1000 = 1 ms), from inside whichever time call comes first after that interval, with
 * open/read/close into a 256-byte stack buffer. So a change takes effect in the shimmed process
 * at most ~1 ms after the rename (plus however long the process does not ask for the time).
 *
 * ---------------------------------------------------------------------------------------------
 * How the real time is obtained, and why
 * ---------------------------------------------------------------------------------------------
 * We call the kernel directly: syscall(SYS_clock_gettime, clock_id, &ts). We never use
 * dlsym(RTLD_NEXT, "clock_gettime").
 *
 *   - dlsym may allocate (glibc's dlerror bookkeeping calls malloc/calloc, and older glibc does
 *     so on the first dl* call of a thread). redis-server is built with jemalloc, and jemalloc
 *     reads the clock while it initialises or holds its own locks; a time call that re-enters
 *     the allocator from there deadlocks at start-up. That is exactly how libfaketime hangs
 *     Debian's redis-server. A raw syscall cannot allocate, cannot recurse into us, and needs
 *     no lazy initialisation race.
 *   - The price is that these calls skip the vDSO fast path: each costs a real system call
 *     (~0.1-1 us). Redis makes a handful per command; that is irrelevant for a fault-injection
 *     harness. Non-REALTIME clock ids go through the same syscall, which returns the very value
 *     the vDSO would (the kernel is the source of both), so CLOCK_MONOTONIC is unchanged.
 *
 * Other rules this file follows: no malloc (or any libc function that may allocate: no stdio,
 * no strtod, no setlocale-dependent parsing), errno is preserved across every wrapper, and the
 * shared state is read lock-free (two slots + sequence numbers), so a signal handler or another
 * thread calling time() in the middle of a refresh never blocks.
 *
 * Build: gcc -shared -fPIC -O2 -o clock-shim.so clock-shim.c -ldl   (scripts/build-clock-shim.sh)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#define NS_PER_SEC 1000000000LL
#define DEFAULT_REFRESH_NS 1000000LL /* 1 ms */
#define PATH_CAP 4096

/* One parsed control line. */
struct params {
    int64_t anchor_real_ns;
    int64_t anchor_fake_ns;
    double rate;
    int identity; /* 1: pass real time through unchanged (no file yet) */
};

/*
 * Two slots; `current` names the one in force. A refresh writes the other slot (bracketed by
 * its sequence number going odd, then even) and then flips `current`. Only one thread refreshes
 * at a time (`refreshing` is a try-lock: losers just use the slot in force, never wait).
 */
static struct params slots[2] = {{0, 0, 1.0, 1}, {0, 0, 1.0, 1}};
static uint32_t slot_seq[2];
static uint32_t current;
static int refreshing; /* 0, or the pid of the process whose thread is refreshing */
static int64_t last_check_real_ns = INT64_MIN;

/* 0: not initialised, 1: initialising, 2: ready. */
static int init_state;
static char clock_file[PATH_CAP];
static int have_clock_file;
static int64_t refresh_ns = DEFAULT_REFRESH_NS;

/* ------------------------------------------------------------------ real clocks (kernel) -- */

static int real_clock_gettime(clockid_t id, struct timespec *ts) {
    return (int)syscall(SYS_clock_gettime, id, ts);
}

static int64_t real_ns(clockid_t id, int *ok) {
    struct timespec ts;
    if (real_clock_gettime(id, &ts) != 0) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ------------------------------------------------------------------------- parsing -- */

static const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* Signed decimal integer; returns NULL on failure or overflow. */
static const char *parse_i64(const char *p, const char *end, int64_t *out) {
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = (*p == '-');
        p++;
    }
    if (p >= end || *p < '0' || *p > '9') return NULL;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_C(9223372036854775807) - d) / 10) return NULL;
        v = v * 10 + d;
        p++;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

/* Unsigned decimal with an optional fraction (no exponent): "2", "0.5", "1.000250". */
static const char *parse_rate(const char *p, const char *end, double *out) {
    if (p < end && *p == '+') p++;
    if (p >= end || ((*p < '0' || *p > '9') && *p != '.')) return NULL;
    double v = 0.0;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10.0 + (double)(*p - '0');
        p++;
        digits++;
    }
    if (p < end && *p == '.') {
        p++;
        double scale = 0.1;
        while (p < end && *p >= '0' && *p <= '9') {
            v += (double)(*p - '0') * scale;
            scale *= 0.1;
            p++;
            digits++;
        }
    }
    if (digits == 0) return NULL;
    *out = v;
    return p;
}

/* Parses "<anchor_real_ns> <anchor_fake_ns> <rate>" (after optional comment lines). */
static int parse_line(const char *buf, size_t len, struct params *out) {
    const char *p = buf, *end = buf + len;
    for (;;) {
        p = skip_space(p, end);
        if (p < end && *p == '#') {
            while (p < end && *p != '\n') p++;
            continue;
        }
        break;
    }
    int64_t ar, af;
    double rate;
    if ((p = parse_i64(p, end, &ar)) == NULL) return 0;
    if (p >= end || (*p != ' ' && *p != '\t')) return 0;
    p = skip_space(p, end);
    if ((p = parse_i64(p, end, &af)) == NULL) return 0;
    if (p >= end || (*p != ' ' && *p != '\t')) return 0;
    p = skip_space(p, end);
    if ((p = parse_rate(p, end, &rate)) == NULL) return 0;
    if (p < end && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) return 0;
    if (!(rate > 0.0) || rate > 1e6) return 0;
    out->anchor_real_ns = ar;
    out->anchor_fake_ns = af;
    out->rate = rate;
    out->identity = 0;
    return 1;
}

/* --------------------------------------------------------------------------- state -- */

static void init_once(void) {
    int expected = 0;
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 2) return;
    if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return; /* another thread is initialising (or done): until then we pass real time through */
    }
    /*
     * Copy the path now: Redis' setproctitle() later overwrites the original environment block
     * with the process title, so a pointer kept from getenv() could go stale.
     */
    const char *path = getenv("LOCKSIM_CLOCK_FILE");
    if (path != NULL && path[0] != '\0') {
        size_t n = strlen(path);
        if (n < PATH_CAP) {
            memcpy(clock_file, path, n + 1);
            have_clock_file = 1;
        }
    }
    const char *refresh = getenv("LOCKSIM_CLOCK_REFRESH_US");
    if (refresh != NULL) {
        int64_t us;
        const char *end = refresh + strlen(refresh);
        if (parse_i64(refresh, end, &us) != NULL && us >= 0 && us <= 60LL * 1000000LL) refresh_ns = us * 1000;
    }
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

/* Re-reads the control file if the refresh interval has passed (try-lock: never blocks). */
static void maybe_refresh(int64_t now_real_ns) {
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2 || !have_clock_file) return;
    int64_t last = __atomic_load_n(&last_check_real_ns, __ATOMIC_RELAXED);
    /* `now < last`: the real clock was stepped back; check again rather than wait. */
    if (last != INT64_MIN && now_real_ns >= last && now_real_ns - last < refresh_ns) return;
    /*
     * Try-lock holding our pid. A holder with another pid means we are a child forked while the
     * parent was refreshing (Redis' AOF-rewrite child): that holder will never release it here,
     * so take it over. Threads of one process share the pid, so they never steal from each other.
     */
    int me = (int)syscall(SYS_getpid);
    int holder = 0;
    if (!__atomic_compare_exchange_n(&refreshing, &holder, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        if (holder == me) return;
        if (!__atomic_compare_exchange_n(&refreshing, &holder, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    }
    __atomic_store_n(&last_check_real_ns, now_real_ns, __ATOMIC_RELAXED);

    char buf[256];
    ssize_t total = 0;
    int fd = open(clock_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        while (total < (ssize_t)sizeof(buf)) {
            ssize_t n = read(fd, buf + total, sizeof(buf) - (size_t)total);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            total += n;
        }
        close(fd);
        struct params parsed;
        if (total > 0 && parse_line(buf, (size_t)total, &parsed)) {
            uint32_t cur = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
            struct params *in_force = &slots[cur];
            if (in_force->identity || in_force->anchor_real_ns != parsed.anchor_real_ns ||
                in_force->anchor_fake_ns != parsed.anchor_fake_ns || in_force->rate != parsed.rate) {
                uint32_t next = cur ^ 1u;
                __atomic_add_fetch(&slot_seq[next], 1, __ATOMIC_ACQ_REL); /* odd: writing */
                __atomic_thread_fence(__ATOMIC_RELEASE);
                slots[next] = parsed;
                __atomic_add_fetch(&slot_seq[next], 1, __ATOMIC_RELEASE); /* even: done */
                __atomic_store_n(&current, next, __ATOMIC_RELEASE);
            }
        }
    }
    __atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
}

/* A consistent copy of the parameters in force. */
static struct params read_params(void) {
    struct params copy = {0, 0, 1.0, 1};
    for (int attempt = 0; attempt < 64; attempt++) {
        uint32_t cur = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
        uint32_t s1 = __atomic_load_n(&slot_seq[cur], __ATOMIC_ACQUIRE);
        if (s1 & 1u) continue;
        copy = slots[cur];
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint32_t s2 = __atomic_load_n(&slot_seq[cur], __ATOMIC_RELAXED);
        if (s1 == s2) return copy;
    }
    /* Unreachable in practice (needs two refreshes during one copy); fall back to real time. */
    copy.identity = 1;
    return copy;
}

static int64_t fake_from_real(int64_t real) {
    struct params p = read_params();
    if (p.identity) return real;
    if (p.rate == 1.0) return p.anchor_fake_ns + (real - p.anchor_real_ns);
    double elapsed = (double)(real - p.anchor_real_ns) * p.rate;
    return p.anchor_fake_ns + (int64_t)elapsed;
}

/* The faked CLOCK_REALTIME (or _COARSE) in ns; *ok = 0 if the kernel refused. */
static int64_t fake_realtime_ns(clockid_t id, int *ok) {
    int64_t real = real_ns(id, ok);
    if (!*ok) return 0;
    init_once();
    maybe_refresh(real);
    return fake_from_real(real);
}

static void split_ns(int64_t ns, int64_t *sec, int64_t *rem) {
    int64_t s = ns / NS_PER_SEC, r = ns % NS_PER_SEC;
    if (r < 0) {
        r += NS_PER_SEC;
        s -= 1;
    }
    *sec = s;
    *rem = r;
}

/* ------------------------------------------------------------------ interposed calls -- */

/* `tp` and `tv` are declared nonnull by glibc's headers, so (like glibc) we do not test them. */
EXPORT int clock_gettime(clockid_t clk_id, struct timespec *tp) {
    int saved = errno;
    if (clk_id != CLOCK_REALTIME && clk_id != CLOCK_REALTIME_COARSE) {
        /* Not ours: straight to the kernel (same value as the vDSO path). errno as libc sets it. */
        return real_clock_gettime(clk_id, tp);
    }
    int ok;
    int64_t ns = fake_realtime_ns(clk_id, &ok);
    if (!ok) return -1; /* errno set by syscall() */
    int64_t sec, rem;
    split_ns(ns, &sec, &rem);
    tp->tv_sec = (time_t)sec;
    tp->tv_nsec = (long)rem;
    errno = saved;
    return 0;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    int saved = errno;
    if (tz != NULL) memset(tz, 0, sizeof(struct timezone)); /* obsolete; glibc zeroes it too */
    int ok;
    int64_t ns = fake_realtime_ns(CLOCK_REALTIME, &ok);
    if (!ok) return -1;
    int64_t sec, rem;
    split_ns(ns, &sec, &rem);
    tv->tv_sec = (time_t)sec;
    tv->tv_usec = (suseconds_t)(rem / 1000);
    errno = saved;
    return 0;
}

EXPORT time_t time(time_t *tloc) {
    int saved = errno;
    int ok;
    int64_t ns = fake_realtime_ns(CLOCK_REALTIME, &ok);
    if (!ok) return (time_t)-1;
    int64_t sec, rem;
    split_ns(ns, &sec, &rem);
    if (tloc != NULL) *tloc = (time_t)sec;
    errno = saved;
    return (time_t)sec;
}

/* Read the control file as early as possible (the lazy path above covers earlier callers). */
__attribute__((constructor)) static void locksim_clock_shim_init(void) {
    int saved = errno;
    init_once();
    int ok;
    int64_t real = real_ns(CLOCK_REALTIME, &ok);
    if (ok) maybe_refresh(real);
    errno = saved;
}

/**
 * The PostgreSQL server settings the simulated node acts on, with postgresql.conf's names, units
 * and defaults (PostgreSQL 15, "Server Configuration"), so a scenario's settings are the ones a
 * user would put in their own configuration, and real mode passes them to `postgres -c` as they
 * are.
 *
 * Facts kept:
 * - `tcp_keepalives_idle`, `tcp_keepalives_interval`, `tcp_keepalives_count` (seconds, seconds,
 *   count): "A value of 0 (the default) selects the operating system's default" (Linux:
 *   `net.ipv4.tcp_keepalive_time` 7200 s, `tcp_keepalive_intvl` 75 s, `tcp_keepalive_probes` 9).
 *   They decide when the server notices a client that stopped answering while its connection is
 *   idle; until then the session, and every lock it holds, lives on.
 * - `tcp_user_timeout` (ms, 0: the OS default): how long transmitted data may stay
 *   unacknowledged before the connection is closed; Linux also lets it end a keepalive wait early.
 * - `idle_in_transaction_session_timeout` (ms, 0: off): "Terminate any session that has been idle
 *   (that is, waiting for a client query) within an open transaction for longer than the
 *   specified amount of time." Its locks go with it.
 * - `idle_session_timeout` (ms, 0: off): the same for a session idle outside a transaction.
 * - `statement_timeout` (ms, 0: off): "Abort any statement that takes more than the specified
 *   amount of time."
 * - `lock_timeout` (ms, 0: off): "Abort any statement that waits longer than the specified amount
 *   of time while attempting to acquire a lock" (advisory locks included).
 * - `max_connections` (default 100).
 */

export interface PostgresSettings {
  readonly tcp_keepalives_idle?: number;
  readonly tcp_keepalives_interval?: number;
  readonly tcp_keepalives_count?: number;
  readonly tcp_user_timeout?: number;
  readonly idle_in_transaction_session_timeout?: number;
  readonly idle_session_timeout?: number;
  readonly statement_timeout?: number;
  readonly lock_timeout?: number;
  readonly max_connections?: number;
}

/** Linux's keepalive defaults, which PostgreSQL's 0 selects (net.ipv4.tcp_keepalive_*). */
export const LINUX_KEEPALIVE = Object.freeze({ idleS: 7200, intervalS: 75, count: 9 });

/** The settings with every default filled in. */
export type ResolvedPostgresSettings = Readonly<Required<PostgresSettings>>;

export const POSTGRES_DEFAULTS: ResolvedPostgresSettings = Object.freeze({
  tcp_keepalives_idle: 0,
  tcp_keepalives_interval: 0,
  tcp_keepalives_count: 0,
  tcp_user_timeout: 0,
  idle_in_transaction_session_timeout: 0,
  idle_session_timeout: 0,
  statement_timeout: 0,
  lock_timeout: 0,
  max_connections: 100,
});

export const POSTGRES_SETTING_NAMES = Object.keys(POSTGRES_DEFAULTS) as Array<keyof PostgresSettings>;

/** The settings a session can set for itself at connection start (node-postgres sends them as startup parameters). */
export const SESSION_SETTING_NAMES = ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout'] as const;
export type SessionSettingName = (typeof SESSION_SETTING_NAMES)[number];

export function resolveSettings(settings: PostgresSettings = {}): ResolvedPostgresSettings {
  return Object.freeze({ ...POSTGRES_DEFAULTS, ...settings });
}

/** The keepalive schedule in ms: idle time before the first probe, time between probes, probes before giving up. */
export function keepaliveSchedule(s: ResolvedPostgresSettings): { readonly idleMs: number; readonly intervalMs: number; readonly count: number } {
  return {
    idleMs: (s.tcp_keepalives_idle || LINUX_KEEPALIVE.idleS) * 1000,
    intervalMs: (s.tcp_keepalives_interval || LINUX_KEEPALIVE.intervalS) * 1000,
    count: s.tcp_keepalives_count || LINUX_KEEPALIVE.count,
  };
}

/** Problems with settings handed in (a scenario's node), each naming the setting and the fix. */
export function settingsProblems(settings: unknown, where: string): string[] {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return [`${where}: must be an object of PostgreSQL settings, e.g. { tcp_keepalives_idle: 5, tcp_keepalives_interval: 1, tcp_keepalives_count: 3 }`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (!(POSTGRES_SETTING_NAMES as string[]).includes(name)) {
      problems.push(`${where}.${name}: not a setting the simulated PostgreSQL acts on (it acts on ${POSTGRES_SETTING_NAMES.join(', ')})`);
      continue;
    }
    const min = name === 'max_connections' ? 1 : 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) problems.push(`${where}.${name}: must be an integer >= ${min} (${unitOf(name)}), got ${JSON.stringify(value)}`);
  }
  return problems;
}

function unitOf(name: string): string {
  if (name.startsWith('tcp_keepalives_idle') || name === 'tcp_keepalives_interval') return 'seconds; 0 selects the operating system default';
  if (name === 'tcp_keepalives_count') return 'probes; 0 selects the operating system default';
  if (name === 'max_connections') return 'connections';
  return 'milliseconds; 0 turns it off';
}

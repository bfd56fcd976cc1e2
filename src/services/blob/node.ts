/**
 * A simulated Blob service node: a process on the simulated network that hosts one BlobService
 * (one storage account) and answers each HTTP request (http.ts) with serveBlobRequest at the
 * node's own wall clock as the request arrives. The lease clock is the service's: the node's
 * drift and jumps move every lease's end, a paused node answers nothing (its host keeps the
 * segments, served in order at resume, when leases may have run out meanwhile), and a holder
 * renewing on its own clock finds out from the answers.
 *
 * Requests come over simulated TCP (sim/rpc.ts's serving endpoint: each request executed once
 * and in order, whatever the retransmissions; a FIN to every client as the node dies, RST to a
 * segment meant for an earlier incarnation). What a crash keeps is the node's persistence
 * (settings.ts): Azure's durability by default, Azurite's 5-second LokiJS autosave, or nothing.
 *
 * For the checkers and the reports it tells the life of the lease on the lock's blob as a "key"
 * of the node: its value is the lease ID while the lease is locked (leased or breaking) and its
 * expiry the true time the node's clock reaches the lease's end (or the break's); every request on
 * that blob is reported as a command (`LEASE-RENEW`, `PUT-BLOB`, ... with the status and code).
 */
import type { NodeObserver, NodeFaultEffects, ClockChange, SimServiceNode } from '../service.ts';
import type { ProcessContext, SimProcess } from '../../sim/process.ts';
import type { ProcessOptions, World } from '../../sim/world.ts';
import { endpoint } from '../../sim/rpc.ts';
import { BlobService } from './blob-service.ts';
import type { BlobHttpRequest, BlobHttpResponse } from './http.ts';
import { requestTarget, serveBlobRequest } from './http-server.ts';
import { leaseIdCounter } from './lease-id.ts';
import { counterValue, parseCounter } from './resource.ts';
import { isLocked, type Lease } from './lease.ts';
import { AZURITE_AUTOSAVE_MS, BLOB_DIALECTS, resolveBlobSettings, type BlobNodeSettings, type ResolvedBlobNodeSettings } from './settings.ts';

/** The container every lock blob of a scenario lives in (the simulated service has every container). */
export const BLOB_CONTAINER = 'locksim';

/** What a node did that a run's evidence and a fault's record can show. */
export interface BlobNodeStats {
  /** Requests served. */
  commands: number;
  restarts: number;
  /** Renewals of an expired lease that succeeded: the holder carried on "as if nothing happened". */
  expiredRenewed: number;
  /** Leases broken (Lease Blob, break, that succeeded). */
  breaks: number;
  /** Put Blob refused for the lease it named or did not name (412/409 Lease*). */
  writesRefusedByLease: number;
  /** Put Blob refused by its ETag condition (412 ConditionNotMet, 409 BlobAlreadyExists). */
  writesRefusedByEtag: number;
  /** Changes the node had acknowledged and lost at its crashes (autosave: since the last save; in-memory: all). */
  changesLost: number;
}

/** The lease on the watched blob, as last reported. */
interface Observed {
  value: string | null;
  expiresAt: number | null;
}

export class BlobNode implements SimServiceNode {
  readonly service = 'blob';
  readonly settings: ResolvedBlobNodeSettings;
  readonly stats: BlobNodeStats = { commands: 0, restarts: 0, expiredRenewed: 0, breaks: 0, writesRefusedByLease: 0, writesRefusedByEtag: 0, changesLost: 0 };
  /** The service of the current incarnation. */
  blobs: BlobService;
  private readonly process: SimProcess;
  /** autosave: the service as last saved, and the changes acknowledged since. */
  private saved: BlobService;
  private unsaved = 0;
  private watched: { readonly resource: string; readonly blob: string; readonly observer: NodeObserver; last: Observed } | null = null;

  constructor(
    private readonly world: World,
    readonly name: string,
    settings: BlobNodeSettings,
    processOptions: ProcessOptions,
  ) {
    this.settings = resolveBlobSettings(settings);
    // Lease IDs of acquires without a proposed one: one counter for the node's life, so a restart never repeats one.
    this.blobs = new BlobService({ dialect: BLOB_DIALECTS[this.settings.dialect], newLeaseId: leaseIdCounter(`b10b${(world.random(`blob-node/${name}`).int(0, 0x10000)).toString(16).padStart(4, '0')}`) });
    this.saved = this.blobs.fork();
    this.process = world.addProcess(name, (ctx) => this.start(ctx), processOptions);
  }

  commands(): number {
    return this.stats.commands;
  }

  watch(resource: string, observer: NodeObserver): void {
    this.watched = { resource, blob: `${BLOB_CONTAINER}/${resource}`, observer, last: { value: null, expiresAt: null } };
  }

  readonly faults: NodeFaultEffects = {
    crash: () => {
      const persistence = this.settings.persistence;
      const lostBefore = this.stats.changesLost;
      const restartsBefore = this.stats.restarts;
      return {
        dying: () => {
          // A durable service's leases live on (and run out) while the node is down; the others may lose them at restart.
          if (persistence === 'in-memory') this.observe('crash');
        },
        effect: () => {
          if (this.stats.restarts === restartsBefore) return `${this.name} down (${persistence}): its leases run on, unanswered`;
          if (persistence === 'durable') return `${this.name} restarted with every blob and lease (durable)`;
          const lost = this.stats.changesLost - lostBefore;
          return persistence === 'in-memory' ? `${this.name} restarted empty (in-memory): ${lost} blob(s) and their leases lost` : `${this.name} restarted from its last autosave: ${lost} acknowledged change(s) lost`;
        },
      };
    },
    clock: (change: ClockChange) => ({
      changed: () => this.observe('clock'),
      effect: () => {
        const leased = this.watched === null ? 0 : this.watched.last.value === null ? 0 : 1;
        if (change.kind === 'jump') return `every lease on ${this.name} ends ${Math.abs(change.deltaMs)}ms ${change.deltaMs > 0 ? 'early' : 'late'} in true time${leased > 0 ? ' (the lock blob was leased)' : ''}`;
        return `every lease on ${this.name} ${change.ppm > 0 ? 'shortened' : 'stretched'} by ${Math.abs(change.ppm / 10_000)}% in true time`;
      },
    }),
  };

  /** The service clock now, ms: the node's wall clock, as the request handler reads it. */
  private now(): number {
    return Math.floor(this.process.clock.wallMicros(this.world.now) / 1000);
  }

  private start(ctx: ProcessContext): void {
    if (ctx.incarnation > 0) this.restart(ctx);
    endpoint(ctx).serve((from, body) => this.serve(ctx, from, body as BlobHttpRequest));
    if (this.settings.persistence === 'autosave') this.autosave(ctx);
  }

  private restart(ctx: ProcessContext): void {
    this.stats.restarts++;
    switch (this.settings.persistence) {
      case 'durable':
        ctx.note('restarted: every blob and lease kept (durable)');
        break;
      case 'autosave':
        this.stats.changesLost += this.unsaved;
        ctx.note(`restarted from the last autosave: ${this.unsaved} change(s) since it lost`);
        this.blobs = this.blobs.restartedFrom(this.saved);
        break;
      case 'in-memory': {
        const fresh = new BlobService({ dialect: this.blobs.dialect });
        this.stats.changesLost += this.blobs.size;
        ctx.note(`restarted empty (in-memory): ${this.blobs.size} blob(s) lost`);
        this.blobs = this.blobs.restartedFrom(fresh);
        break;
      }
    }
    this.unsaved = 0;
    this.observe('restart');
  }

  /** LokiJS's autosave: every 5 s of the node's clock, a save if anything changed (a paused node saves nothing). */
  private autosave(ctx: ProcessContext): void {
    this.saved = this.blobs.fork();
    this.unsaved = 0;
    const tick = (): void => {
      if (this.unsaved > 0) {
        this.saved = this.blobs.fork();
        this.unsaved = 0;
      }
      ctx.clock.setTimer(AZURITE_AUTOSAVE_MS, tick);
    };
    ctx.clock.setTimer(AZURITE_AUTOSAVE_MS, tick);
  }

  private serve(ctx: ProcessContext, from: string, request: BlobHttpRequest): BlobHttpResponse {
    this.stats.commands++;
    const now = ctx.clock.now();
    const target = requestTarget(request);
    const before = target === null ? undefined : this.blobs.leaseOf(now, target.name);
    const counter = target?.operation === 'put' ? parseCounter(request.body ?? '') : null;
    const valueBefore = counter === null || target === null ? 0 : counterValue(this.blobs.contentOf(target.name));
    const response = serveBlobRequest(this.blobs, now, request);
    if (target === null) return response;
    const ok = response.status < 300;
    const code = response.headers['x-ms-error-code'] ?? '';
    if (ok && target.operation !== 'get' && target.operation !== 'head') this.unsaved++;
    if (ok && target.operation === 'renew' && before?.state === 'expired') {
      this.stats.expiredRenewed++;
      ctx.note(`${from} renewed the expired lease on ${target.name}: as if nothing happened`);
    }
    if (ok && target.operation === 'break') this.stats.breaks++;
    if (!ok && target.operation === 'put') {
      if (code.startsWith('Lease')) this.stats.writesRefusedByLease++;
      else if (code === 'ConditionNotMet' || code === 'BlobAlreadyExists') this.stats.writesRefusedByEtag++;
    }
    const watched = this.watched;
    if (counter !== null) {
      // The protected counter kept in a blob (resource.ts): each write, applied or refused, as the resource process reports it.
      const lease = request.headers['x-ms-lease-id'];
      watched?.observer.write?.({
        at: this.world.now, process: from, value: counter.value, readValue: counter.readValue, ...(lease === undefined ? {} : { lease }),
        accepted: ok, before: valueBefore, ...(ok ? {} : { reason: `${response.status} ${code}` }),
      });
    }
    if (watched !== null && target.name === watched.blob) {
      this.observe('command');
      watched.observer.keyCommand(this.name, { at: this.world.now, key: watched.resource, from, args: [operationLabel(target.operation), watched.resource], reply: ok ? String(response.status) : `${response.status} ${code}` });
    }
    return response;
  }

  /** Reports the lease on the watched blob if it changed (always, for a crash, restart or clock change). */
  private observe(cause: 'command' | 'restart' | 'crash' | 'clock'): void {
    const watched = this.watched;
    if (watched === null) return;
    const at = this.world.now;
    const lease = cause === 'crash' ? undefined : this.blobs.leaseOf(this.now(), watched.blob);
    const value = lease !== undefined && isLocked(lease) ? lease.id : null;
    const end = lease === undefined ? null : leaseEnd(lease);
    const clock = this.process.clock;
    const expiresAt = value === null || end === null ? null : at + (Math.max(0, end * 1000 - clock.wallMicros(at)) / (1 + clock.driftPpm / 1e6));
    if (cause === 'command' && value === watched.last.value && expiresAt === watched.last.expiresAt) return;
    // A renewal that only moves the end by the time that passed is still a change of expiry: report it.
    watched.last = { value, expiresAt };
    watched.observer.keySample(this.name, { at, key: watched.resource, value, expiresAt, cause });
  }
}

/** When a locked lease stops being locked, on the service's clock (ms), or null for an infinite lease. */
function leaseEnd(lease: Lease): number | null {
  if (lease.state === 'leased') return lease.expiresAt;
  if (lease.state === 'breaking') return lease.breaksAt;
  return null;
}

function operationLabel(operation: NonNullable<ReturnType<typeof requestTarget>>['operation']): string {
  switch (operation) {
    case 'put':
      return 'PUT-BLOB';
    case 'get':
      return 'GET-BLOB';
    case 'head':
      return 'GET-PROPERTIES';
    case 'delete':
      return 'DELETE-BLOB';
    default:
      return `LEASE-${operation.toUpperCase()}`;
  }
}

/** Adds a Blob service node to the world. */
export function addBlobNode(world: World, name: string, settings: BlobNodeSettings = {}, processOptions: ProcessOptions = {}): BlobNode {
  return new BlobNode(world, name, settings, processOptions);
}

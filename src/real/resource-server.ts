/**
 * The protected resource in real mode: a small TCP server in the runner process, on 127.0.0.1
 * and a free port, with the semantics of src/workload/resource.ts (a counter; `unguarded`,
 * `fenced` or `cas`, the same {@link ResourceRegister} rule as the simulated resource), logging every write it applies or refuses as a {@link ResourceWrite} in
 * true time (src/real/true-time.ts). Client processes reach it with {@link connectResource}.
 *
 * The links between each client and the resource are the runner's own (no Toxiproxy in
 * between): each direction is a {@link MessageLink} that can drop, hold (deliver on heal), delay
 * (in order, like a TCP stream) or lose messages, so the resource faults of a scenario (a write
 * delayed in the network, a client cut off from the resource) apply exactly, per message. The
 * resource process itself can be paused (requests wait until it resumes) and crashed (requests
 * vanish; a restart begins again from 0, as the simulated resource does).
 *
 * Wire format: one JSON object per line. A client first sends `{"hello": "<client name>"}`, then
 * requests `{"id": n, "body": ResourceRequest}`; replies are `{"id": n, "body": ResourceReply}`.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { ResourceWrite } from '../check/history.ts';
import type { Clock } from '../locks/interface.ts';
import type { DelayModel, LinkMode } from '../sim/network.ts';
import type { Micros } from '../sim/time.ts';
import type { ResourceLink } from '../workload/client.ts';
import { ResourceRegister, type ResourceMode, type ResourceReply, type ResourceRequest } from '../workload/resource.ts';

/** What a {@link MessageLink} did, for a fault's record (as the simulated network counts). */
export interface MessageLinkStats {
  sent: number;
  dropped: number;
  held: number;
  delayed: number;
}

/**
 * One direction between a client and the resource. `up` delivers at once; `drop` discards;
 * `hold` keeps messages and delivers them, in order, when the link comes back up. A delay
 * model delays each message, in order (a message never overtakes the one before it); a loss
 * probability discards some.
 */
export class MessageLink {
  mode: LinkMode = 'up';
  delay: DelayModel | null = null;
  lossProbability = 0;
  readonly stats: MessageLinkStats = { sent: 0, dropped: 0, held: 0, delayed: 0 };
  private readonly held: Array<() => void> = [];
  private readonly queue: Array<{ at: number; deliver: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDeliveryAt = 0;
  private closed = false;

  constructor(private readonly random: () => number) {}

  send(deliver: () => void): void {
    if (this.closed) return;
    this.stats.sent++;
    if (this.mode === 'drop' || (this.lossProbability > 0 && this.random() < this.lossProbability)) {
      this.stats.dropped++;
      return;
    }
    if (this.mode === 'hold') {
      this.stats.held++;
      this.held.push(deliver);
      return;
    }
    this.enqueue(deliver);
  }

  setMode(mode: LinkMode): void {
    this.mode = mode;
    if (mode === 'up') for (const deliver of this.held.splice(0)) this.enqueue(deliver);
  }

  /** Back to a plain link: up, no delay, no loss (held messages are delivered). */
  heal(): void {
    this.delay = null;
    this.lossProbability = 0;
    this.setMode('up');
  }

  /** Whether a fault changed it. */
  get faulty(): boolean {
    return this.mode !== 'up' || this.delay !== null || this.lossProbability > 0;
  }

  close(): void {
    this.closed = true;
    this.held.length = 0;
    this.queue.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private draw(): number {
    const d = this.delay;
    if (d === null) return 0;
    return d.kind === 'fixed' ? d.ms : d.minMs + this.random() * (d.maxMs - d.minMs);
  }

  private enqueue(deliver: () => void): void {
    const now = performance.now();
    const extra = this.draw();
    if (extra > 0) this.stats.delayed++;
    // In order: never before the message ahead of it.
    const at = Math.max(now + extra, this.lastDeliveryAt);
    this.lastDeliveryAt = at;
    if (at <= now && this.queue.length === 0) {
      deliver();
      return;
    }
    this.queue.push({ at, deliver });
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const first = this.queue[0] as { at: number };
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.queue.length > 0 && (this.queue[0] as { at: number }).at <= now + 0.5) {
        (this.queue.shift() as { deliver: () => void }).deliver();
      }
      this.arm();
    }, Math.max(0, first.at - performance.now()));
  }
}

export interface ResourceServerOptions {
  readonly mode: ResourceMode;
  /** True time now, µs (the run's clock). */
  readonly now: () => Micros;
  /** Random numbers for delays and loss (seeded by the runner). */
  readonly random: () => number;
}

/** The resource's own state, as a process: running, paused (requests wait) or crashed (requests vanish). */
export type ResourceState = 'running' | 'paused' | 'crashed';

export class ResourceServer {
  /** Every write applied or refused while the log is open, in true time. */
  readonly writes: ResourceWrite[] = [];
  /** Requests received and replies sent (for the run's stats). */
  messages = 0;
  private stateValue: ResourceState = 'running';
  private readonly register: ResourceRegister;
  private logging = true;
  private readonly links = new Map<string, { in: MessageLink; out: MessageLink }>();
  private readonly waiting: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: ResourceServerOptions,
  ) {
    this.register = new ResourceRegister(options.mode);
  }

  /** Listens on 127.0.0.1, on a free port. */
  static start(options: ResourceServerOptions): Promise<ResourceServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') {
          server.close();
          reject(new Error('the resource server has no TCP address'));
          return;
        }
        const resource = new ResourceServer(server, address.port, options);
        server.on('connection', (socket) => resource.accept(socket));
        resolve(resource);
      });
    });
  }

  get state(): ResourceState {
    return this.stateValue;
  }

  /** The link carrying `client`'s requests (`in`) or the replies to it (`out`). */
  link(client: string, direction: 'in' | 'out'): MessageLink {
    let pair = this.links.get(client);
    if (pair === undefined) {
      pair = { in: new MessageLink(this.options.random), out: new MessageLink(this.options.random) };
      this.links.set(client, pair);
    }
    return pair[direction];
  }

  /** Every link that a fault changed. */
  faultyLinks(): MessageLink[] {
    return [...this.links.values()].flatMap((p) => [p.in, p.out]).filter((l) => l.faulty);
  }

  pause(): boolean {
    if (this.stateValue !== 'running') return false;
    this.stateValue = 'paused';
    return true;
  }

  /** Resumes a paused resource; returns how many requests had waited. */
  resume(): number {
    if (this.stateValue !== 'paused') return 0;
    this.stateValue = 'running';
    const waited = this.waiting.splice(0);
    for (const run of waited) run();
    return waited.length;
  }

  crash(): boolean {
    if (this.stateValue === 'crashed') return false;
    this.stateValue = 'crashed';
    this.waiting.length = 0;
    return true;
  }

  /** After a crash: starts again with the counter at 0 (as the simulated resource's factory does). */
  restart(): boolean {
    if (this.stateValue !== 'crashed') return false;
    this.register.reset();
    this.stateValue = 'running';
    return true;
  }

  /** The run is over: later writes are not logged. */
  closeLog(): void {
    this.logging = false;
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    this.logging = false;
    for (const pair of this.links.values()) {
      pair.in.close();
      pair.out.close();
    }
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let client: string | undefined;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          socket.destroy();
          return;
        }
        if (client === undefined) {
          const hello = (message as { hello?: unknown }).hello;
          if (typeof hello !== 'string') {
            socket.destroy();
            return;
          }
          client = hello;
          continue;
        }
        const from = client;
        const { id, body } = message as { id: number; body: ResourceRequest };
        this.messages++;
        this.link(from, 'in').send(() => this.arrive(from, id, body, socket));
      }
    });
  }

  private arrive(from: string, id: number, body: ResourceRequest, socket: Socket): void {
    switch (this.stateValue) {
      case 'crashed':
        return;
      case 'paused':
        this.waiting.push(() => this.arrive(from, id, body, socket));
        return;
      case 'running': {
        const reply = this.handle(from, body);
        this.messages++;
        this.link(from, 'out').send(() => {
          if (!socket.destroyed) socket.write(`${JSON.stringify({ id, body: reply })}\n`);
        });
      }
    }
  }

  /** The semantics of src/workload/resource.ts: the same {@link ResourceRegister}. */
  private handle(from: string, request: ResourceRequest): ResourceReply {
    if (request.op === 'read') return { op: 'read', value: this.register.read(request) };
    const { accepted, reason, before } = this.register.write(request);
    if (this.logging) {
      this.writes.push({ at: this.options.now(), process: from, value: request.value, readValue: request.readValue, token: request.token, lease: request.lease, accepted, before, reason });
    }
    return { op: 'write', accepted, reason };
  }
}

/** A client's connection to the resource server. */
export interface ResourceConnection {
  /** What `runClient` uses: a request, answered or null after `timeoutMs` of the client's clock. */
  readonly link: ResourceLink;
  close(): void;
}

/** Connects `client` to the resource server on 127.0.0.1:`port`; timeouts run on `clock`. */
export function connectResource(port: number, client: string, clock: Clock): Promise<ResourceConnection> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const pending = new Map<number, (reply: ResourceReply | null) => void>();
    let nextId = 1;
    let buffer = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const { id, body } = JSON.parse(line) as { id: number; body: ResourceReply };
          const answer = pending.get(id);
          pending.delete(id);
          answer?.(body);
        } catch {
          // a malformed line: ignore it (its request times out)
        }
      }
    });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {
        // The requests in flight time out; nothing else to do.
      });
      socket.write(`${JSON.stringify({ hello: client })}\n`);
      const link: ResourceLink = (request, timeoutMs) =>
        new Promise((answer) => {
          const id = nextId++;
          let cancel = (): void => {};
          pending.set(id, (reply) => {
            cancel();
            answer(reply);
          });
          cancel = clock.setTimer(timeoutMs, () => {
            if (pending.delete(id)) answer(null);
          });
          if (!socket.destroyed) socket.write(`${JSON.stringify({ id, body: request })}\n`);
        });
      resolve({ link, close: () => socket.destroy() });
    });
  });
}

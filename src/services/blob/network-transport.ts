/**
 * The Blob transport of a client process over the simulated network: HTTP/1.1 on kept-alive TCP
 * connections to one blob node, as Node's HTTP agent under @azure/storage-blob sends it.
 *
 * - One request at a time per connection (HTTP/1.1 without pipelining): a request takes an idle
 *   connection to the node, or opens a new one; the answer puts the connection back.
 * - A node that is down refuses the connection: the request rejects with `ECONNREFUSED`. A
 *   connection the node's host closes (FIN as the node dies) or resets (a segment reaching a
 *   restarted node) ends the request on it with `ECONNRESET` ("socket hang up"); an idle one is
 *   dropped from the pool. The SDK's retry policy decides what happens next, as it does on these
 *   codes from Node.
 * - A request or answer lost on a cut link is retransmitted by TCP (simulated by
 *   {@link TcpConnection}) and gets through once the link heals; until then the request stays
 *   pending, since the SDK sets no client-side timeout. After Linux's 15 retransmissions (about
 *   15 minutes) the socket errors with `ETIMEDOUT`.
 * - A paused node answers nothing until it resumes: its host keeps the segments for it.
 *
 * Not modelled: the TCP handshake's round trip (a connection to a node that is up opens at once,
 * as the database client's do), SYN retransmission, keepalive probes (off in Node's agent), the
 * agent's idle socket timeout.
 */
import type { ProcessContext } from '../../sim/process.ts';
import { TcpConnection, type TcpCloseReason } from '../../sim/rpc.ts';
import type { BlobHttpRequest, BlobHttpResponse, BlobTransport } from './http.ts';

/** The system error a request on a closed connection rejects with, as Node's HTTP client reports it. */
export class TransportError extends Error {
  constructor(
    readonly code: 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE',
    message: string,
  ) {
    super(message);
  }
}

/** A request on the wire: its promise's ends. */
interface InFlight {
  readonly resolve: (response: BlobHttpResponse) => void;
  readonly reject: (error: Error) => void;
}

export interface NetworkTransportOptions {
  /** The node to send to now (a name; called at each new connection). */
  readonly node: () => string;
  /** Called for every request sent (the runner tells a waiting client from a hung one by it). */
  readonly onSend?: () => void;
}

/** Connection numbers, unique across the processes of a run (a serving endpoint keys connections by number). */
let connectionSerial = 2e12;

/** A transport to one blob node for the client process `ctx` (see the file's comment). */
export class NetworkTransport {
  private readonly idle: Array<TcpConnection<InFlight>> = [];
  private readonly busy = new Set<TcpConnection<InFlight>>();
  /** Requests whose connection is being refused (the node is down): they fail when the refusal comes back. */
  private readonly refused = new Map<TcpConnection<InFlight>, InFlight>();

  constructor(
    private readonly ctx: ProcessContext,
    private readonly options: NetworkTransportOptions,
  ) {
    // As this process dies, its host closes its sockets: the node's endpoint sees the FIN.
    ctx.onCrash(() => {
      for (const c of [...this.idle, ...this.busy]) if (c.state === 'open') ctx.send(c.to, { t: 'fin', conn: c.id });
    });
  }

  /** The transport function the Blob client takes. */
  readonly send: BlobTransport = (request) =>
    new Promise<BlobHttpResponse>((resolve, reject) => {
      const connection = this.connection();
      this.options.onSend?.();
      if (connection.state !== 'open') {
        // The node is down: its host refuses the connection, and the close handler rejects.
        this.refused.set(connection, { resolve, reject });
        return;
      }
      this.busy.add(connection);
      connection.send(request satisfies BlobHttpRequest, { resolve, reject });
    });

  /** Why a request of this process still waits, in words, or null. */
  waitReason(): string | null {
    for (const c of this.busy) {
      if (c.waitingSince === null) continue;
      const waited = this.ctx.clock.monotonic() - c.waitingSince;
      return `an HTTP request to ${c.to} waits for its answer (${Math.round(waited)} ms${c.retransmits > 0 ? `, ${c.retransmits} TCP retransmissions` : ''})`;
    }
    return null;
  }

  /** An idle open connection, or a new one (closed at once if the node refused it). */
  private connection(): TcpConnection<InFlight> {
    for (;;) {
      const kept = this.idle.pop();
      if (kept === undefined) break;
      if (kept.state === 'open') return kept;
    }
    const connection: TcpConnection<InFlight> = new TcpConnection<InFlight>(
      this.ctx,
      this.options.node(),
      ++connectionSerial,
      {
        open: () => {},
        reply: (inFlight, body) => {
          this.busy.delete(connection);
          if (connection.state === 'open') this.idle.push(connection);
          inFlight.resolve(body as BlobHttpResponse);
        },
        close: (reason) => this.closed(connection, reason),
      },
      { immediate: true, connectTimeoutMs: 0 },
    );
    return connection;
  }

  private closed(connection: TcpConnection<InFlight>, reason: TcpCloseReason): void {
    this.busy.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const code = reason === 'FIN' ? 'ECONNRESET' : reason;
    const message = reason === 'FIN' || reason === 'ECONNRESET' ? 'socket hang up' : reason === 'ECONNREFUSED' ? `connect ECONNREFUSED ${connection.to}` : `${reason} on the connection to ${connection.to}`;
    const waiting = this.refused.get(connection);
    this.refused.delete(connection);
    if (waiting !== undefined) waiting.reject(new TransportError(code, message));
    for (const inFlight of connection.pendingTags()) inFlight.reject(new TransportError(code, message));
  }
}

/** The Blob transport of client process `ctx` to one node. */
export function networkTransport(ctx: ProcessContext, options: NetworkTransportOptions): NetworkTransport {
  return new NetworkTransport(ctx, options);
}

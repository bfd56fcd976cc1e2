/**
 * A tiny RESP2 client for tests: sends arrays of bulk strings over node:net and parses replies
 * into locksim's own `Reply` type, so a status reply, a bulk reply and an integer reply stay
 * distinct (ioredis turns all of them into strings or numbers and hides the difference).
 *
 * Replies are matched to commands in order (Redis answers a connection in order); several
 * commands may be in flight at once.
 */
import { connect, type Socket } from 'node:net';
import type { Reply } from '../../src/redis/engine/reply.ts';

export class RespClient {
  private readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  private closed = false;
  private failure: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const onError = (error: Error) => reject(error);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Sends one command; resolves with its reply (error replies resolve too, as values). */
  send(args: readonly string[]): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.end(() => resolve()));
    this.socket.destroy();
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.closed ? new Error('client closed') : error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (parsed === null) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.waiting.shift();
      if (waiter === undefined) throw new Error('RESP reply with no command waiting for it');
      waiter.resolve(parsed.reply);
    }
  }
}

/** RESP encoding of a command: an array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP2 reply starting at `offset`; null when the buffer does not hold all of it yet. */
export function parseReply(buffer: Buffer, offset: number): { reply: Reply; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: { kind: 'status', value: line }, end: next };
    case '-':
      return { reply: { kind: 'error', message: line }, end: next };
    case ':':
      return { reply: { kind: 'integer', value: Number(line) }, end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: { kind: 'bulk', value: null }, end: next };
      if (buffer.length < next + length + 2) return null;
      return { reply: { kind: 'bulk', value: buffer.toString('utf8', next, next + length) }, end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: { kind: 'array', value: null }, end: next };
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (item === null) return null;
        items.push(item.reply);
        position = item.end;
      }
      return { reply: { kind: 'array', value: items }, end: position };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(buffer.toString('utf8', offset, Math.min(buffer.length, offset + 40)))}`);
  }
}

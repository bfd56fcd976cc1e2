/**
 * The one Toxiproxy client of real mode, on toxiproxy-node-client, in the nemesis's words: a
 * link is *cut* (`drop`: a black hole, bytes vanish; `hold`: held, delivered when healed),
 * *delayed*, and *healed*. The runner's proxies, the nemesis's faults, the external server's
 * proxies and the Toxiproxy server's start-up check all go through it.
 *
 * How the words become toxics (Toxiproxy 2.12):
 *
 * - cut `drop`: a `timeout` toxic with timeout 0 on the stream: every byte vanishes and the
 *   connection stays open; the client learns only through its own timeouts (as a simulated
 *   `drop`). Removing it makes Toxiproxy close the connections it swallowed, so clients reconnect.
 * - cut `hold`: a `latency` toxic of 24 h: removing it delivers what it held, in order.
 * - delay: a `latency` toxic (fixed, or a uniform range's middle ± half as jitter).
 */
import { Toxiproxy, type ICreateToxicBody, type Proxy as ToxiproxyProxy, type Toxic } from 'toxiproxy-node-client';
import { HttpClient, type HttpResponse } from 'toxiproxy-node-client/dist/HttpClient.js';
import type { DelayModel } from '../sim/network.ts';

/** Which way a toxic acts: requests (client → server) or replies (server → client). */
export type Stream = 'upstream' | 'downstream';

/** How a cut treats what is sent: `drop` loses it, `hold` keeps it until the heal. */
export type CutMode = 'drop' | 'hold';

/** A latency long enough to stand for "held until healed". */
export const HOLD_LATENCY_MS = 24 * 3600 * 1000;

/** A proxy: its name and the port it listens on. */
export interface ProxyAddress {
  readonly name: string;
  readonly port: number;
}

/** A request Toxiproxy refused, with its own words (`listen tcp …: bind: address already in use`). */
export class ToxiproxyRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`toxiproxy: ${method} ${path}: HTTP ${status}${detail === '' ? '' : ` ${detail}`}`);
    this.name = 'ToxiproxyRequestError';
  }
}

/** Latency and jitter of a delay model, as a `latency` toxic takes them (ms, whole). */
export function latencyOf(delay: DelayModel): { readonly latency: number; readonly jitter: number } {
  if (delay.kind === 'fixed') return { latency: Math.round(delay.ms), jitter: 0 };
  return { latency: Math.round((delay.minMs + delay.maxMs) / 2), jitter: Math.round((delay.maxMs - delay.minMs) / 2) };
}

/** What a delay's toxic is called in a fault's record: `latency 300±100 ms`. */
export function latencyText(delay: DelayModel): string {
  const { latency, jitter } = latencyOf(delay);
  return `latency ${latency}${jitter > 0 ? `±${jitter}` : ''} ms`;
}

/** What a cut's toxic is called in a fault's record. */
export function cutText(mode: CutMode): string {
  return mode === 'hold' ? 'held (24 h latency toxic, flushed on heal)' : 'black hole (timeout toxic)';
}

/**
 * toxiproxy-node-client's transport, keeping Toxiproxy's own error text (the library's says only
 * the status) and giving up after a timeout (a Toxiproxy that hangs must not hang the run).
 */
class ExplainingHttpClient extends HttpClient {
  constructor(
    private readonly base: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  override async get<T>(url: string): Promise<HttpResponse<T>> {
    return { data: (await this.send('GET', url)) as T };
  }

  override async post<T>(url: string, body?: unknown): Promise<HttpResponse<T>> {
    return { data: (await this.send('POST', url, body)) as T };
  }

  override async delete(url: string): Promise<void> {
    await this.send('DELETE', url);
  }

  override async getText(url: string): Promise<string> {
    return this.send('GET', url, undefined, true) as Promise<string>;
  }

  private async send(method: string, url: string, body?: unknown, text = false): Promise<unknown> {
    const path = url.startsWith(this.base) ? url.slice(this.base.length) : url;
    const response = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const reply = await response.text();
    if (!response.ok) throw new ToxiproxyRequestError(method, path, response.status, errorDetail(reply));
    if (text) return reply;
    return reply === '' ? undefined : (JSON.parse(reply) as unknown);
  }
}

/** Toxiproxy answers errors as `{"error": "…", "status": 500}`. */
function errorDetail(reply: string): string {
  try {
    const parsed: unknown = JSON.parse(reply);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') return (parsed as { error: string }).error;
  } catch {
    // not JSON: the text as it is
  }
  return reply.trim();
}

const notFound = (error: unknown): boolean => error instanceof ToxiproxyRequestError && error.status === 404;

export interface ToxiproxyClientOptions {
  /** Give up on a request after this long, ms (default 10 s). */
  readonly timeoutMs?: number;
}

/** A Toxiproxy server's API: proxies, and cuts, delays and heals on them. */
export class ToxiproxyClient {
  private readonly toxiproxy: Toxiproxy;
  private readonly proxies = new Map<string, ToxiproxyProxy>();
  /** The toxics this client added and has not removed, by proxy and name. */
  private readonly toxics = new Map<string, Map<string, Toxic<unknown>>>();

  constructor(
    readonly apiUrl: string,
    options: ToxiproxyClientOptions = {},
  ) {
    this.toxiproxy = new Toxiproxy(apiUrl);
    // Proxies and toxics take the transport from here when they are made.
    this.toxiproxy.api = new ExplainingHttpClient(apiUrl, options.timeoutMs ?? 10_000);
  }

  /** The version the server reports, e.g. "2.12.0" (2.12 answers `{"version": "2.12.0"}`, older ones plain text). */
  async version(): Promise<string> {
    const text = (await this.toxiproxy.getVersion()).trim();
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { version?: unknown }).version === 'string') return (parsed as { version: string }).version;
    } catch {
      // plain text
    }
    return text;
  }

  /** The names of every proxy on the server. */
  async proxyNames(): Promise<string[]> {
    return Object.keys(await this.toxiproxy.getAll());
  }

  /** Creates a proxy listening on `listen` (port 0: the kernel's choice) and forwarding to `upstream`. */
  async createProxy(name: string, listen: string, upstream: string): Promise<ProxyAddress> {
    const proxy = await this.toxiproxy.createProxy({ name, listen, upstream, enabled: true });
    // Toxiproxy reports the address it actually bound (port 0 → the kernel's choice).
    const port = Number(/:(\d+)$/.exec(proxy.listen)?.[1]);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`toxiproxy reported an unexpected listen address for ${name}: ${proxy.listen}`);
    this.proxies.set(name, proxy);
    return { name, port };
  }

  /** Deletes a proxy (its connections close); one already gone is fine. */
  async removeProxy(name: string): Promise<void> {
    await this.toxiproxy.getApi().delete(`${this.apiUrl}/proxies/${encodeURIComponent(name)}`).catch((error: unknown) => {
      if (!notFound(error)) throw error;
    });
    this.proxies.delete(name);
    this.toxics.delete(name);
  }

  /** Points a proxy at another upstream (Toxiproxy restarts it: its connections close, clients reconnect). */
  async redirect(name: string, upstream: string): Promise<void> {
    const proxy = await this.proxy(name);
    this.proxies.set(name, await proxy.update({ listen: proxy.listen, upstream, enabled: true }));
  }

  /** Cuts one direction of a proxy: `drop` a black hole, `hold` held until {@link heal}. */
  cut(proxy: string, stream: Stream, mode: CutMode, name: string): Promise<void> {
    return mode === 'hold'
      ? this.addToxic(proxy, { name, type: 'latency', stream, toxicity: 1, attributes: { latency: HOLD_LATENCY_MS, jitter: 0 } })
      : this.addToxic(proxy, { name, type: 'timeout', stream, toxicity: 1, attributes: { timeout: 0 } });
  }

  /** Delays one direction of a proxy by `delay`. */
  delay(proxy: string, stream: Stream, delay: DelayModel, name: string): Promise<void> {
    return this.addToxic(proxy, { name, type: 'latency', stream, toxicity: 1, attributes: latencyOf(delay) });
  }

  /** Heals what `name` did on `proxy` (a held link delivers what it held); one already healed is fine. */
  async heal(proxy: string, name: string): Promise<void> {
    const toxic = this.toxics.get(proxy)?.get(name);
    this.toxics.get(proxy)?.delete(name);
    const removal = toxic === undefined ? this.toxiproxy.getApi().delete(`${this.apiUrl}/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`) : toxic.remove();
    await removal.catch((error: unknown) => {
      if (!notFound(error)) throw error;
    });
  }

  /** Heals every proxy of the server (Toxiproxy's /reset: every toxic removed, every proxy enabled). */
  async healAll(): Promise<void> {
    await this.toxiproxy.reset();
    this.toxics.clear();
  }

  /** Heals only the proxies named (the others on a shared server stay as their owners made them). */
  async healProxies(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        await Promise.all((await this.toxicNames(name)).map((toxic) => this.heal(name, toxic)));
        const proxy = await this.proxy(name);
        this.proxies.set(name, await proxy.update({ listen: proxy.listen, upstream: proxy.upstream, enabled: true }));
      }),
    );
  }

  /** The names of the toxics on a proxy, as the server has them. */
  async toxicNames(proxy: string): Promise<string[]> {
    const { data } = await this.toxiproxy.getApi().get<unknown>(`${this.apiUrl}/proxies/${encodeURIComponent(proxy)}/toxics`);
    if (!Array.isArray(data)) return [];
    return data.flatMap((toxic: unknown) => (typeof toxic === 'object' && toxic !== null && typeof (toxic as { name?: unknown }).name === 'string' ? [(toxic as { name: string }).name] : []));
  }

  private async addToxic(proxy: string, body: ICreateToxicBody<unknown>): Promise<void> {
    const toxic = await (await this.proxy(proxy)).addToxic(body);
    const onProxy = this.toxics.get(proxy) ?? new Map<string, Toxic<unknown>>();
    onProxy.set(body.name, toxic);
    this.toxics.set(proxy, onProxy);
  }

  /** A proxy this client made (no request), or the server's (one request). */
  private async proxy(name: string): Promise<ToxiproxyProxy> {
    const known = this.proxies.get(name);
    if (known !== undefined) return known;
    const proxy = await this.toxiproxy.get(encodeURIComponent(name));
    this.proxies.set(name, proxy);
    return proxy;
  }
}

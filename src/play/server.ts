/**
 * The local web server of `locksim play`: the playground page and its script, bundled once at
 * start from this locksim's own sources, on 127.0.0.1 (a free port unless one is asked for).
 * It serves those two files and nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundlePlay } from './bundle.ts';
import { playPageHtml, PLAY_SCRIPT } from './page-html.ts';

export interface PlayServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface PlayServerOptions {
  /** The port; 0 (the default) takes a free one. */
  readonly port?: number;
  readonly host?: string;
}

export async function startPlayServer(options: PlayServerOptions = {}): Promise<PlayServer> {
  const host = options.host ?? '127.0.0.1';
  const { js } = await bundlePlay();
  const files: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
    '/': { type: 'text/html; charset=utf-8', body: playPageHtml() },
    '/index.html': { type: 'text/html; charset=utf-8', body: playPageHtml() },
    [`/${PLAY_SCRIPT}`]: { type: 'text/javascript; charset=utf-8', body: js },
  };
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = files[path];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || file === undefined) {
      response.writeHead(file === undefined ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(file === undefined ? `not found: ${path} (the playground is at /)\n` : 'only GET and HEAD\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'content-length': Buffer.byteLength(file.body), 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  };
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

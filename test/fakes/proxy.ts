/**
 * A loopback forward proxy for tests, the kind HTTPS_PROXY / HTTP_PROXY point at:
 *   - `CONNECT host:port` opens a TCP tunnel (HTTPS targets; TLS stays end to end),
 *   - absolute-form requests (`GET http://host:port/path HTTP/1.1`) are forwarded (plain HTTP targets).
 * Every tunnel and request is counted and its target `host:port` recorded. Targets other than
 * 127.0.0.1 are refused (403, recorded with `refused: true`), so a test can never leak beyond loopback.
 * Only node:http and node:net; nothing from the code under test.
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyEvent {
  kind: 'connect' | 'http';
  /** 'host:port' the client asked for. */
  target: string;
  /** 'CONNECT' for tunnels, else the forwarded request's method. */
  method: string;
  /** The absolute URL of a forwarded request; the authority for a tunnel. */
  url: string;
  /** Proxy-Authorization header, if any. */
  proxyAuthorization?: string;
  /** True when the proxy refused it (not loopback, malformed, or upstream unreachable). */
  refused?: boolean;
  time: number;
}

export interface FakeProxy {
  /** 'http://127.0.0.1:PORT': the value for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** 'host:port' of this proxy itself. */
  hostPort: string;
  /** CONNECT tunnels asked for (refused ones included). */
  readonly tunnels: number;
  /** Absolute-form HTTP requests asked for (refused ones included). */
  readonly requests: number;
  /** Every tunnel and request, in arrival order. */
  events: ProxyEvent[];
  /** Target 'host:port' of every event, in order (with repeats). */
  targets(): string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(authority);
  if (!match) return undefined;
  return { host: match[1]!, port: match[2] ? Number(match[2]) : defaultPort };
}

export async function startFakeProxy(): Promise<FakeProxy> {
  const events: ProxyEvent[] = [];
  const sockets = new Set<Socket>();
  let tunnels = 0;
  let requests = 0;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    const rawUrl = req.url ?? '';
    let target: URL | undefined;
    try {
      target = /^http:\/\//i.test(rawUrl) ? new URL(rawUrl) : undefined;
    } catch {
      target = undefined;
    }
    const event: ProxyEvent = {
      kind: 'http',
      target: target ? `${target.hostname}:${target.port || '80'}` : rawUrl,
      method: req.method ?? 'GET',
      url: rawUrl,
      time: Date.now(),
      ...(req.headers['proxy-authorization'] ? { proxyAuthorization: String(req.headers['proxy-authorization']) } : {}),
    };
    events.push(event);
    if (!target || target.hostname !== '127.0.0.1') {
      event.refused = true;
      res.writeHead(403, { 'content-type': 'text/plain' }).end('fake proxy: only absolute http://127.0.0.1 URLs are forwarded\n');
      return;
    }
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    const upstream = httpRequest(
      { host: target.hostname, port: Number(target.port || 80), method: req.method, path: `${target.pathname}${target.search}`, headers, agent: false },
      (answer) => {
        const out: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('socket', track);
    upstream.on('error', () => {
      // Mirror the upstream fault to the client: a reset stays a reset, a refusal becomes a 502.
      if (res.headersSent) res.destroy();
      else {
        event.refused = true;
        res.writeHead(502, { 'content-type': 'text/plain' }).end('fake proxy: upstream failed\n');
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer(onRequest);
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels++;
    const authority = req.url ?? '';
    const parsed = splitHostPort(authority, 443);
    const event: ProxyEvent = {
      kind: 'connect',
      target: parsed ? `${parsed.host}:${parsed.port}` : authority,
      method: 'CONNECT',
      url: authority,
      time: Date.now(),
      ...(req.headers['proxy-authorization'] ? { proxyAuthorization: String(req.headers['proxy-authorization']) } : {}),
    };
    events.push(event);
    client.on('error', () => undefined);
    if (!parsed || parsed.host !== '127.0.0.1') {
      event.refused = true;
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect({ host: parsed.host, port: parsed.port });
    track(upstream);
    upstream.on('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (upstream.connecting) {
        event.refused = true;
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      } else {
        client.destroy();
      }
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    get tunnels() {
      return tunnels;
    },
    get requests() {
      return requests;
    },
    events,
    targets: () => events.map((e) => e.target),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

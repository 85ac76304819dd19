/**
 * Shared HTTP plumbing for the loopback Rancher fakes (Cattle v1/v2-beta now, norman v3 later):
 * listening on 127.0.0.1:0 over HTTP or HTTPS, recording every request, a fault-injection hook,
 * JSON bodies and API errors. Each fake supplies its own routing and error shape.
 * Only node:http/https: nothing from the code under test, no npm packages.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  /** Raw path as received, without the query. */
  path: string;
  /** Raw query string, without '?'. */
  query: string;
  /** Status of the response head; 0 while unanswered, and stays 0 if the connection was dropped. */
  status: number;
  /** True once the credentials were accepted for the requested scope (false for 401/403 and intercepted requests). */
  authorized: boolean;
  /** (addition) Parsed JSON body, or the raw text if it was not JSON; absent when empty. */
  body?: unknown;
  /** (addition) Request headers (lower-case names), e.g. to check Authorization or User-Agent. */
  headers: IncomingHttpHeaders;
  /** (addition) Date.now() on arrival, for retry/back-off assertions. */
  time: number;
}

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

/** Fault injection: runs before normal handling; return true if it answered (or dropped) the request itself. */
export type Intercept = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** An error the fake answers with; each fake renders it in its own API's error shape. */
export class ApiError extends Error {
  readonly status: number;
  /** undefined = the API's default code for the status. */
  readonly code: string | undefined;
  /** undefined = the API's default message; null = an explicit JSON null. */
  readonly apiMessage: string | null | undefined;
  readonly fieldName: string | undefined;
  readonly detail: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code?: string,
    opts: { message?: string | null; fieldName?: string; detail?: string | null; headers?: Record<string, string> } = {},
  ) {
    super([status, code, opts.message, opts.fieldName].filter((p) => p != null).join(' '));
    this.status = status;
    this.code = code;
    this.apiMessage = opts.message;
    this.fieldName = opts.fieldName;
    this.detail = opts.detail ?? null;
    this.headers = opts.headers ?? {};
  }
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Per-request state handed to a fake's handler. */
export interface RequestContext {
  req: IncomingMessage;
  method: string;
  /** Absolute URL from the scheme and Host header, as Rancher builds its links from them. */
  url: URL;
  /** scheme://host[:port] of this request. */
  origin: string;
  rawPath: string;
  rawQuery: string;
  rawBody: string;
  record: RecordedRequest;
  /** Headers put on whatever reply goes out, errors included; handlers add to it as they learn more. */
  headers: Record<string, string>;
}

const bodies = new WeakMap<IncomingMessage, string>();

/** The request body text. The fake reads it before `intercept` runs, so an interceptor must use this, not the stream. */
export function requestBody(req: IncomingMessage): string {
  return bodies.get(req) ?? '';
}

/**
 * JSON as Jackson writes it for Cattle: nulls kept (callers use null, never undefined) and forward slashes
 * escaped. Outside string literals JSON never contains '/', so a global replace is exact.
 */
export function jacksonJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Base for every Rancher fake. Per request: record it, read the body, run `intercept`, then the subclass
 * handler. Any exception becomes a rendered 500 rather than a crashed test run.
 */
export abstract class FakeHttpServer {
  url = '';
  readonly requests: RecordedRequest[] = [];
  intercept: Intercept | undefined = undefined;
  protected readonly server: Server;
  protected readonly scheme: 'http' | 'https';

  constructor(tls?: TlsOptions) {
    const listener = (req: IncomingMessage, res: ServerResponse): void => void this.onRequest(req, res);
    this.scheme = tls ? 'https' : 'http';
    this.server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener) : createHttpServer(listener);
  }

  /** Requests with method POST, PUT, DELETE or PATCH, in order. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => ['POST', 'PUT', 'DELETE', 'PATCH'].includes(r.method));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.scheme}://127.0.0.1:${port}`;
  }

  /** Stops listening and drops keep-alive and hanging connections, so a test never waits on them. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Body serialiser; Cattle (Jackson) escapes slashes, a Go server (v3) would override this. */
  protected toJson(value: unknown): string {
    return jacksonJson(value);
  }

  /** Runs before `intercept`: put headers every reply must carry into ctx.headers (500s included). */
  protected prepare(_ctx: RequestContext): void {}

  protected abstract handle(ctx: RequestContext): Reply | Promise<Reply>;
  protected abstract renderError(ctx: RequestContext, err: ApiError): Reply;

  protected send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
    const text = reply.body === undefined ? '' : this.toJson(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json; charset=utf-8',
      ...headers,
      ...reply.headers,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: q < 0 ? rawUrl : rawUrl.slice(0, q),
      query: q < 0 ? '' : rawUrl.slice(q + 1),
      status: 0,
      authorized: false,
      headers: req.headers,
      time: Date.now(),
    };
    this.requests.push(record);
    // Take the status when the head is written (a bare res.end() goes through writeHead too), so it is
    // set before the client can possibly see the response, also for interceptors' replies.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      record.status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      return writeHead(...args);
    }) as typeof res.writeHead;

    const origin = `${this.scheme}://${req.headers.host ?? this.url.replace(/^https?:\/\//, '')}`;
    const ctx: RequestContext = {
      req,
      method: record.method,
      url: new URL(this.url || 'http://127.0.0.1/'),
      origin,
      rawPath: record.path,
      rawQuery: record.query,
      rawBody: '',
      record,
      headers: {},
    };
    try {
      // Concatenate rather than resolve, so a path like '//x' is not taken as a protocol-relative URL.
      ctx.url = new URL(origin + (rawUrl.startsWith('/') ? rawUrl : `/${rawUrl}`));
      ctx.rawBody = await readBody(req);
      bodies.set(req, ctx.rawBody);
      if (ctx.rawBody !== '') {
        try {
          record.body = JSON.parse(ctx.rawBody);
        } catch {
          record.body = ctx.rawBody;
        }
      }
      this.prepare(ctx);
      if (this.intercept && (await this.intercept(req, res))) return;
      this.send(res, await this.handle(ctx), ctx.headers);
    } catch (e) {
      // A bug in the fake: answer like the server's generic 500, with the reason in a header for debugging.
      const reason = (e instanceof Error ? e.message : String(e)).replace(/[^\x20-\x7e]/g, ' ').slice(0, 500);
      const err = e instanceof ApiError ? e : new ApiError(500, undefined, { headers: { 'X-Fake-Exception': reason } });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      try {
        this.send(res, this.renderError(ctx, err), { ...ctx.headers, ...err.headers });
      } catch {
        res.destroy();
      }
    }
  }
}

import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import type { Deadline } from '../deadline.ts';
import { type Agents, isTlsFailure } from '../net.ts';
import { RancherApiError, RancherAuthError, RancherUnavailableError } from '../errors.ts';
import type { Logger } from '../ui.ts';

export interface RancherHttpOptions {
  accessKey: string;
  secretKey: string;
  retries: number;
  deadline: Deadline;
  logger: Logger;
  agents: Agents;
}

/** Per-request limit; the run's deadline (--timeout) bounds all requests together. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface JsonResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Faults of the network path that a second try may not meet. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_BAD_RESPONSE',
]);
/** Failed before any byte reached the server, so even a POST may be sent again. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function isTransient(error: AxiosError): boolean {
  const method = (error.config?.method ?? 'get').toLowerCase();
  const status = error.response?.status;
  if (status !== undefined) {
    // GET reads and our PUTs (the same full update again) are safe to repeat; a POST is not.
    return (status === 429 || status >= 500) && method !== 'post';
  }
  const code = error.code ?? '';
  if (method === 'post') return NOT_SENT_CODES.has(code);
  return TRANSIENT_CODES.has(code);
}

/** axios errors carry the request config, headers included: keep only what is safe to show. */
function describeNetworkError(error: AxiosError): string {
  const code = error.code ?? 'network error';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timed out';
  return code;
}

/**
 * The one HTTP client for Rancher: Basic auth, timeouts, retries with backoff inside the run's
 * deadline, and the mapping of every failure to a typed error with a one-line fix.
 * Responses are parsed here, so a proxy's HTML page never reaches the adapters as "JSON".
 */
export class RancherHttp {
  private readonly client: AxiosInstance;

  constructor(private readonly options: RancherHttpOptions) {
    this.client = axios.create({
      auth: { username: options.accessKey, password: options.secretKey },
      timeout: REQUEST_TIMEOUT_MS,
      // Node's http adapter without redirects: the build leaves out axios's fetch adapter and follow-redirects.
      adapter: 'http',
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      headers: { Accept: 'application/json' },
      // 429 and 5xx reject, so axios-retry sees them; every other answer is judged in parse().
      validateStatus: (status) => status !== 429 && status < 500,
      signal: options.deadline.signal,
      // Proxies come from our agents (HTTPS_PROXY/NO_PROXY); axios's own proxying cannot tunnel HTTPS.
      proxy: false,
      httpAgent: options.agents.httpAgent,
      httpsAgent: options.agents.httpsAgent,
    });
    axiosRetry(this.client, {
      retries: options.retries,
      shouldResetTimeout: true,
      retryCondition: (error) => !options.deadline.expired && isTransient(error),
      retryDelay: (count, error) => Math.min(exponentialDelay(count, error, 250), Math.max(0, options.deadline.remainingMs() - 50)),
      onRetry: (count, error, config) => {
        const what = error.response ? `HTTP ${error.response.status}` : describeNetworkError(error);
        options.logger.debug(`retry ${count}/${options.retries} of ${config.method?.toUpperCase()} ${config.url} after ${what}`);
      },
    });
  }

  get(url: string): Promise<JsonResponse> {
    return this.request('GET', url);
  }

  post(url: string, body: object): Promise<JsonResponse> {
    return this.request('POST', url, body);
  }

  put(url: string, body: object): Promise<JsonResponse> {
    return this.request('PUT', url, body);
  }

  private async request(method: Method, url: string, body?: object): Promise<JsonResponse> {
    const started = Date.now();
    this.options.logger.debug(`→ ${method} ${url}`);
    let response: AxiosResponse<string>;
    try {
      response = await this.client.request<string>({ method, url, data: body });
    } catch (error) {
      throw this.mapFailure(method, url, error);
    }
    this.options.logger.debug(`← ${response.status} ${method} ${url} (${Date.now() - started} ms)`);
    return this.parse(method, url, response);
  }

  private mapFailure(method: string, url: string, error: unknown): Error {
    const origin = new URL(url).origin;
    if (!(error instanceof AxiosError)) return error instanceof Error ? error : new Error(String(error));
    if (error.response) {
      // Only 429 and 5xx reach here (validateStatus lets the rest through to parse()).
      const status = error.response.status;
      return new RancherUnavailableError(`Rancher answered ${status} to ${method} ${url} after ${this.options.retries} retries; check the server's health, then run again`);
    }
    if (this.options.deadline.expired || error.code === 'ERR_CANCELED') {
      return this.options.deadline.exceeded(`${method} ${url}`, RancherUnavailableError);
    }
    const code = error.code ?? '';
    if (isTlsFailure(code, error.message)) {
      return new RancherUnavailableError(
        `TLS verification of ${origin} failed (${code || error.message}); pass --ca-cert FILE with its CA, or --insecure to skip verification for Rancher`,
      );
    }
    return new RancherUnavailableError(`Cannot reach Rancher at ${origin} (${describeNetworkError(error)}); check --rancher-url and that the server is up`);
  }

  private parse(method: string, url: string, response: AxiosResponse<string>): JsonResponse {
    const status = response.status;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
    }
    if (status >= 300 && status < 400) {
      const location = headers.location ?? 'nowhere';
      throw new RancherUnavailableError(`${url} redirected to ${location} instead of answering as the Rancher API; check --rancher-url (it should end in /v1, /v2-beta or /v2-beta/projects/<id>)`);
    }
    const body = parseJsonObject(response.data);
    if (status === 401 || status === 403) {
      const detail = typeof body?.message === 'string' && body.message !== '' ? `: ${body.message}` : '';
      throw new RancherAuthError(
        status === 401
          ? `Rancher rejected the API keys (401 Unauthorized${detail} at ${url}); check CATTLE_ACCESS_KEY and CATTLE_SECRET_KEY`
          : `Rancher refused access (403 Forbidden${detail} at ${url}); the key has no access to this environment: use a key of that environment or fix the project id in the URL`,
      );
    }
    if (body === undefined) {
      throw new RancherUnavailableError(`${method} ${url} answered ${status} with ${describeNonJson(headers['content-type'], response.data)} instead of the Rancher API; check --rancher-url`);
    }
    if (status >= 400) {
      const code = typeof body.code === 'string' ? body.code : undefined;
      const message = typeof body.message === 'string' && body.message !== '' ? body.message : code ?? 'error';
      const field = typeof body.fieldName === 'string' ? ` (field ${body.fieldName})` : '';
      throw new RancherApiError(status, code, `Rancher refused ${method} ${url}: ${status} ${message}${field}`);
    }
    return { url, status, headers, body };
  }
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeNonJson(contentType: string | undefined, text: string | undefined): string {
  const sample = (text ?? '').trim();
  if (sample === '') return 'an empty body';
  if (/html/i.test(contentType ?? '') || /^<(!doctype|html)/i.test(sample)) {
    const title = /<title[^>]*>([^<]{1,80})/i.exec(sample)?.[1]?.trim();
    return title ? `an HTML page ("${title}")` : 'an HTML page';
  }
  if (/^[[{]/.test(sample)) return 'truncated or invalid JSON';
  return `a ${contentType ?? 'non-JSON'} body`;
}

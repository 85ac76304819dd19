import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { getProxyForUrl } from 'proxy-from-env';
import { UsageError } from './errors.ts';
import type { Logger } from './ui.ts';

const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/;

/** Whether a connection failed on certificate verification or the TLS handshake, for the --ca-cert hint. */
export function isTlsFailure(code: string | undefined, message: string): boolean {
  return TLS_FAILURE.test(code ?? '') || TLS_FAILURE.test(message);
}

/** Node's CAs plus the user's; undefined (Node's defaults, NODE_EXTRA_CA_CERTS included) when none was given. */
export function loadCaBundle(caFiles: ReadonlyArray<{ path: string; source: string }>, env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  if (caFiles.length === 0) return undefined;
  // Passing `ca` replaces Node's store, so the defaults and NODE_EXTRA_CA_CERTS go in again.
  const files = env.NODE_EXTRA_CA_CERTS ? [...caFiles, { path: env.NODE_EXTRA_CA_CERTS, source: 'NODE_EXTRA_CA_CERTS' }] : [...caFiles];
  const extra = files.map(({ path, source }) => {
    try {
      const pem = readFileSync(path, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate inside');
      return pem;
    } catch (error) {
      throw new UsageError(`${source}: cannot use '${path}' (${error instanceof Error ? error.message : String(error)}); give a PEM file with the CA certificate`);
    }
  });
  return [...rootCertificates, ...extra];
}

/**
 * An agent that sends each request directly or through the proxy that HTTPS_PROXY, HTTP_PROXY
 * and NO_PROXY (either case) name for its URL. The AWS SDK ignores those variables on its own
 * and axios's built-in proxy cannot tunnel HTTPS, so both get this agent instead.
 */
class EnvProxyAgent extends Agent {
  private readonly direct: http.Agent;
  private readonly viaProxy = new Map<string, http.Agent>();

  constructor(
    private readonly tlsOptions: https.AgentOptions,
    private readonly logger: Logger,
    secure: boolean,
  ) {
    super({ keepAlive: true });
    this.direct = secure ? new https.Agent({ keepAlive: true, ...tlsOptions }) : new http.Agent({ keepAlive: true });
  }

  async connect(request: http.ClientRequest, options: AgentConnectOpts): Promise<http.Agent> {
    const scheme = options.secureEndpoint ? 'https' : 'http';
    const host = options.host ?? request.host;
    const target = `${scheme}://${isIP(host ?? '') === 6 ? `[${host}]` : host}:${options.port}${request.path}`;
    const proxy = getProxyForUrl(target);
    if (proxy === '') return this.direct;
    let agent = this.viaProxy.get(proxy);
    if (agent === undefined) {
      this.logger.debug(`using proxy ${redactProxy(proxy)} for ${scheme} requests to ${host}`);
      // Loaded only when a proxy applies: most runs never pay for it.
      const { proxyAgent } = await import('./proxy-agents.ts');
      agent = proxyAgent(proxy, options.secureEndpoint, this.tlsOptions);
      this.viaProxy.set(proxy, agent);
    }
    return agent;
  }

  override destroy(): void {
    this.direct.destroy();
    for (const agent of this.viaProxy.values()) agent.destroy();
    super.destroy();
  }
}

/** Proxy URLs may carry user:password; logs show neither. */
function redactProxy(proxy: string): string {
  try {
    const url = new URL(proxy);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.toString();
  } catch {
    return '(unparsable proxy URL)';
  }
}

export interface Agents {
  httpAgent: http.Agent;
  httpsAgent: http.Agent;
  destroy(): void;
}

export function createAgents(options: { ca: string[] | undefined; insecure: boolean; logger: Logger }): Agents {
  const tlsOptions: https.AgentOptions = {
    ...(options.ca ? { ca: options.ca } : {}),
    rejectUnauthorized: !options.insecure,
  };
  const httpAgent = new EnvProxyAgent({}, options.logger, false);
  const httpsAgent = new EnvProxyAgent(tlsOptions, options.logger, true);
  return {
    httpAgent,
    httpsAgent,
    destroy: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate, rootCertificates } from 'node:tls';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { UsageError } from './errors.ts';
import type { Logger } from './ui.ts';

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

  connect(request: http.ClientRequest, options: AgentConnectOpts): http.Agent {
    const scheme = options.secureEndpoint ? 'https' : 'http';
    const host = options.host ?? request.host;
    const target = `${scheme}://${isIP(host ?? '') === 6 ? `[${host}]` : host}:${options.port}${request.path}`;
    const proxy = getProxyForUrl(target);
    if (proxy === '') return this.direct;
    let agent = this.viaProxy.get(proxy);
    if (agent === undefined) {
      this.logger.debug(`using proxy ${redactProxy(proxy)} for ${scheme} requests to ${host}`);
      // Plain HTTP through a proxy: no keep-alive. This agent hands the request over only after
      // its head is already written with the relative path; HttpProxyAgent rewrites that head to
      // the absolute URL in connect(), which a reused pooled socket skips, so the proxy would get
      // `GET /path` (our fake proxy answered 403, Rancher's "no access").
      agent = options.secureEndpoint ? new TunnelAgent(proxy, this.tlsOptions) : new HttpProxyAgent(proxy, { keepAlive: false });
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

/**
 * HttpsProxyAgent takes the TLS options of the tunnelled connection from the request alone (its own
 * options only reach the connection to the proxy), so --ca-cert and --insecure were lost behind a
 * proxy: they are added to every tunnel here. It also drops the target host and sends no SNI for
 * an IP, so Node checked the certificate against 'localhost': the identity check gets the target.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly tunnelTls: https.AgentOptions,
  ) {
    super(proxy, { keepAlive: true, ...tunnelTls });
  }

  override connect(request: http.ClientRequest, options: AgentConnectOpts): ReturnType<HttpsProxyAgent<string>['connect']> {
    const target = options.host ?? '';
    return super.connect(request, {
      ...options,
      ...this.tunnelTls,
      checkServerIdentity: (_servername: string, cert: PeerCertificate) => checkServerIdentity(target, cert),
    } as AgentConnectOpts);
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

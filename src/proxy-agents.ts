import type http from 'node:http';
import type https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

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

/** The agent that reaches a target through `proxy`: a CONNECT tunnel for HTTPS, a forward proxy for HTTP. */
export function proxyAgent(proxy: string, secureEndpoint: boolean, tlsOptions: https.AgentOptions): http.Agent {
  // Plain HTTP through a proxy: no keep-alive. EnvProxyAgent hands the request over only after
  // its head is already written with the relative path; HttpProxyAgent rewrites that head to the
  // absolute URL in connect(), which a reused pooled socket skips, so the proxy would get
  // `GET /path` (our fake proxy answered 403, Rancher's "no access").
  return secureEndpoint ? new TunnelAgent(proxy, tlsOptions) : new HttpProxyAgent(proxy, { keepAlive: false });
}

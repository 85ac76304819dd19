const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The registry host an address names, for comparing a Rancher `serverAddress` with an ECR
 * proxy endpoint: `HOST`, `https://HOST`, `HOST/`, `HOST:443` and any letter case all give `host`.
 * A port other than 443 is kept (`host:5000`), since it names another registry.
 * Returns undefined for anything that has no host; it never throws.
 */
export function registryHost(address: string): string | undefined {
  const trimmed = address.trim();
  if (trimmed === '') return undefined;
  const withScheme = HAS_SCHEME.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '');
  if (hostname === '') return undefined;
  const port = url.port === '' || url.port === '443' ? '' : `:${url.port}`;
  return hostname + port;
}

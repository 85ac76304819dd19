declare module 'proxy-from-env' {
  /** The proxy URL for this URL per *_PROXY and NO_PROXY, or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}

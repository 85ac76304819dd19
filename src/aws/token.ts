import { AwsError } from '../errors.ts';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * ECR's authorizationToken is base64 of `user:password`. Anything else is AWS (or something in
 * between) answering wrongly: exit 3, naming the endpoint but never the token.
 */
export function decodeAuthorizationToken(token: string, endpoint: string): { username: string; password: string } {
  const compact = token.trim();
  if (compact === '' || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new AwsError(`ECR returned a malformed authorization token for ${endpoint} (not base64); check AWS_ENDPOINT_URL_ECR or any proxy in between`);
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new AwsError(`ECR returned a malformed authorization token for ${endpoint} (no user:password inside); check AWS_ENDPOINT_URL_ECR or any proxy in between`);
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

import { ECRClient, GetAuthorizationTokenCommand, type AuthorizationData } from '@aws-sdk/client-ecr';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsSettings } from '../config.ts';
import type { Deadline } from '../deadline.ts';
import { AwsError, type CliError, UsageError } from '../errors.ts';
import { registryHost } from '../hosts.ts';
import type { RegistryToken } from '../plan.ts';
import { type Agents, isTlsFailure } from '../net.ts';
import type { Redactor } from '../redact.ts';
import type { Logger } from '../ui.ts';
import { decodeAuthorizationToken } from './token.ts';

export interface FetchTokensOptions {
  retries: number;
  deadline: Deadline;
  logger: Logger;
  redactor: Redactor;
  agents: Agents;
}

/** One requested account's answer: a token, or why there is none (the others go on). */
export type TokenResult = { registryId: string | undefined; token: RegistryToken } | { registryId: string | undefined; error: CliError };

/** Errors AWS answers when the principal is unknown, its signature wrong, or it lacks the permission. */
const AUTH_ERRORS = new Set([
  'UnrecognizedClientException', 'InvalidSignatureException', 'AccessDeniedException', 'AccessDenied',
  'ExpiredTokenException', 'ExpiredToken', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature',
]);

function describeAwsError(error: unknown, endpointLabel: string, deadline: Deadline): CliError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (/region is missing/i.test(message)) {
    return new UsageError('Missing AWS region: pass --region or set AWS_REGION (or a region in the AWS profile)');
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new AwsError('No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance, task or pod role');
  }
  if (name === 'AbortError' || deadline.expired) return deadline.exceeded(`The ECR call for ${endpointLabel}`, AwsError);
  if (AUTH_ERRORS.has(name)) {
    return new AwsError(`AWS refused the ECR call for ${endpointLabel} (${name}: ${message}); the principal needs ecr:GetAuthorizationToken, and its keys must be valid`);
  }
  const code = (error as { code?: unknown }).code;
  if (isTlsFailure(typeof code === 'string' ? code : undefined, message)) {
    return new AwsError(`TLS verification of the ECR endpoint for ${endpointLabel} failed (${typeof code === 'string' ? code : message}); behind a TLS-inspecting proxy, pass its CA with --ca-cert FILE`);
  }
  if (typeof code === 'string' && /^E[A-Z]+/.test(code)) {
    return new AwsError(`Cannot reach ECR for ${endpointLabel} (${code}); check the network, the proxy settings and AWS_ENDPOINT_URL_ECR`);
  }
  return new AwsError(`ECR call for ${endpointLabel} failed (${name}: ${message})`);
}

function toToken(data: AuthorizationData, registryId: string | undefined, redactor: Redactor): RegistryToken {
  const endpoint = data.proxyEndpoint ?? '';
  const host = registryHost(endpoint);
  if (data.authorizationToken === undefined || host === undefined) {
    throw new AwsError(`ECR answered without a token or endpoint for ${registryId ?? 'the caller account'}; check AWS_ENDPOINT_URL_ECR`);
  }
  // Register before decoding, so even the error path cannot print it.
  redactor.add(data.authorizationToken);
  const { username, password } = decodeAuthorizationToken(data.authorizationToken, endpoint);
  redactor.addPair(username, password);
  return { registryId, endpoint, host, username, password, expiresAt: data.expiresAt };
}

/**
 * Fetches one ECR login per requested account (or the caller's own), each in its own call so
 * that one account's refusal does not cost the others. The SDK retries throttling and 5xx with
 * backoff; the deadline bounds it all. Endpoint overrides (AWS_ENDPOINT_URL_ECR/_STS) are left
 * to the SDK, which honours them only when no `endpoint` is set in code.
 */
export async function fetchTokens(settings: AwsSettings, options: FetchTokensOptions): Promise<TokenResult[]> {
  const { deadline, logger, redactor } = options;
  // An explicit `region: undefined` would hide the AWS profile's region from the SDK.
  const region = settings.region ? { region: settings.region } : {};
  // One handler for ECR and STS: the proxy agents, and per-request limits under the deadline.
  const requestHandler = { connectionTimeout: 10_000, requestTimeout: 30_000, httpAgent: options.agents.httpAgent, httpsAgent: options.agents.httpsAgent };
  const base = fromNodeProviderChain({ clientConfig: { requestHandler } });
  const credentials = settings.roleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: settings.roleArn, RoleSessionName: 'rancher-ecr-credentials', ExternalId: settings.externalId },
        masterCredentials: base,
        clientConfig: { ...region, requestHandler },
      })
    : base;
  const client = new ECRClient({
    ...region,
    credentials,
    maxAttempts: options.retries + 1,
    requestHandler,
  });
  try {
    const ids: Array<string | undefined> = settings.registryIds.length > 0 ? settings.registryIds : [undefined];
    return await Promise.all(
      ids.map(async (registryId): Promise<TokenResult> => {
        const label = registryId ?? 'the caller account';
        try {
          logger.debug(`→ ECR GetAuthorizationToken for ${label}`);
          const answer = await client.send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}), {
            abortSignal: deadline.signal,
          });
          const data = answer.authorizationData?.[0];
          if (data === undefined) throw new AwsError(`ECR answered no authorization data for ${label}`);
          const token = toToken(data, registryId, redactor);
          logger.debug(`← ECR token for ${token.host}, expires ${token.expiresAt?.toISOString() ?? 'unknown'}`);
          return { registryId, token };
        } catch (error) {
          const cliError = error instanceof AwsError ? error : describeAwsError(error, label, deadline);
          logger.debug(`ECR call for ${label} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
          return { registryId, error: cliError };
        }
      }),
    );
  } finally {
    client.destroy();
  }
}

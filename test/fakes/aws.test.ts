/**
 * Self-test of the fake AWS (test/fakes/aws.ts) against the REAL AWS SDK v3.
 *   cd /work/main && node --import tsx --test test/fakes/aws.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { GetAuthorizationTokenCommandOutput } from '@aws-sdk/client-ecr';
import { fromTemporaryCredentials, fromTokenFile, fromWebToken } from '@aws-sdk/credential-providers';
// Transitive dependency of the SDK, used only to sign hand-made requests (CLI-v2-style header sets).
import { SignatureV4 } from '@smithy/signature-v4';
import { DEFAULT_FAKE_PRINCIPAL, ECR_TARGET_PREFIX, formatJavaDouble, startFakeAws } from './aws.ts';
import type { FakeAws, FakeAwsOptions } from './aws.ts';

// ----- hermetic environment ---------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'fake-aws-test-'));
const savedEnv = { ...process.env };

before(() => {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AWS_')) delete process.env[key];
  }
  writeFileSync(join(tmp, 'config'), '');
  writeFileSync(join(tmp, 'credentials'), '');
  Object.assign(process.env, {
    HOME: tmp,
    AWS_CONFIG_FILE: join(tmp, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
});

after(() => {
  for (const key of Object.keys(process.env)) {
    if (!(key in savedEnv)) delete process.env[key];
  }
  Object.assign(process.env, savedEnv);
  rmSync(tmp, { recursive: true, force: true });
});

// ----- helpers ----------------------------------------------------------------------------------

const BASE = { accessKeyId: DEFAULT_FAKE_PRINCIPAL.accessKeyId, secretAccessKey: DEFAULT_FAKE_PRINCIPAL.secretAccessKey };

/** Starts a fake, points the SDK at it through the env vars, closes it afterwards. */
async function withFake(options: FakeAwsOptions | undefined, fn: (fake: FakeAws) => Promise<void>): Promise<void> {
  const fake = await startFakeAws(options);
  process.env['AWS_ENDPOINT_URL_ECR'] = fake.url;
  process.env['AWS_ENDPOINT_URL_STS'] = fake.url;
  try {
    await fn(fake);
  } finally {
    await fake.close();
    delete process.env['AWS_ENDPOINT_URL_ECR'];
    delete process.env['AWS_ENDPOINT_URL_STS'];
  }
}

type Creds = ConstructorParameters<typeof ECRClient>[0] extends infer C ? (C extends { credentials?: infer X } ? X : never) : never;

async function getToken(credentials: Creds, input: { registryIds?: string[] } = {}, region = 'us-east-1'): Promise<GetAuthorizationTokenCommandOutput> {
  const client = new ECRClient({ region, credentials });
  try {
    return await client.send(new GetAuthorizationTokenCommand(input));
  } finally {
    client.destroy();
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function decodeToken(authorizationToken: string): string {
  assert.match(authorizationToken, /^[A-Za-z0-9+/]+={0,2}$/);
  return Buffer.from(authorizationToken, 'base64').toString('utf8');
}

function signedHeadersOf(headers: Record<string, string | string[] | undefined>): string[] {
  const auth = String(headers['authorization'] ?? '');
  return /SignedHeaders=([^,\s]+)/.exec(auth)?.[1]?.split(';') ?? [];
}

class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.make();
  }
  private make(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(ArrayBuffer.isView(this.secret) ? this.secret.buffer.slice(this.secret.byteOffset, this.secret.byteOffset + this.secret.byteLength) : this.secret);
    return createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.make();
  }
}

/** Signs a request with the SDK's standalone signer, only over the given headers (+ x-amz-date), and sends it raw. */
async function sendSigned(
  fake: FakeAws,
  opts: { service: 'ecr' | 'sts'; headers: Record<string, string>; body: string; tamperBody?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(fake.url);
  const signer = new SignatureV4({ service: opts.service, region: fake.region, credentials: opts.credentials ?? BASE, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, ...opts.headers },
    body: opts.body,
  });
  const body = opts.tamperBody ?? opts.body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...signed.headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ----- ECR --------------------------------------------------------------------------------------

describe('fake ECR with the real ECRClient', () => {
  test('a good signed call gets a token that decodes to AWS:password', async () => {
    await withFake(undefined, async (fake) => {
      assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const before = Date.now();
      const out = await getToken(BASE);
      const data = out.authorizationData ?? [];
      assert.equal(data.length, 1);
      const entry = data[0]!;
      const issued = fake.issued[0]!;
      assert.equal(fake.issued.length, 1);
      assert.equal(decodeToken(entry.authorizationToken!), `AWS:${issued.password}`);
      assert.equal(issued.username, 'AWS');
      assert.equal(issued.account, '123456789012');
      assert.equal(issued.registryId, '123456789012');
      assert.equal(entry.proxyEndpoint, 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com');
      assert.equal(issued.proxyEndpoint, entry.proxyEndpoint);

      // expiresAt: epoch seconds in scientific notation, parsed by the SDK into the same Date.
      assert.ok(entry.expiresAt instanceof Date);
      assert.equal(entry.expiresAt.getTime(), issued.expiresAt.getTime());
      const ttl = entry.expiresAt.getTime() - before;
      assert.ok(ttl > 43190_000 && ttl <= 43201_000, `ttl ${ttl}`);

      // The password looks like a real one: ~2 KB of base64 of a JSON envelope.
      assert.ok(issued.password.length > 1800 && issued.password.length < 3000, `length ${issued.password.length}`);
      const envelope = JSON.parse(Buffer.from(issued.password, 'base64').toString('utf8')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(envelope), ['payload', 'datakey', 'version', 'type', 'expiration']);
      assert.equal(envelope['type'], 'DATA_KEY');

      const rec = fake.requests[0]!;
      assert.equal(rec.service, 'ecr');
      assert.equal(rec.action, 'GetAuthorizationToken');
      assert.equal(rec.accessKeyId, BASE.accessKeyId);
      assert.equal(rec.status, 200);
      assert.equal(rec.errorType, undefined);
      assert.equal(rec.headers['x-amz-target'], `${ECR_TARGET_PREFIX}GetAuthorizationToken`);
      const signed = signedHeadersOf(rec.headers);
      for (const h of ['content-type', 'host', 'x-amz-date', 'x-amz-target']) assert.ok(signed.includes(h), `SDK signs ${h}: ${signed.join(';')}`);

      // Fresh token on every call.
      const again = await getToken(BASE);
      assert.notEqual(decodeToken(again.authorizationData![0]!.authorizationToken!), decodeToken(entry.authorizationToken!));
      assert.equal(fake.issued.length, 2);
      assert.notEqual(fake.issued[1]!.password, issued.password);
    });
  });

  test('expiresAt is written like ECR writes it', () => {
    assert.equal(formatJavaDouble(1764835200), '1.7648352E9');
    assert.equal(formatJavaDouble(1764800000), '1.7648E9');
    assert.equal(formatJavaDouble(1764835200.123), '1.764835200123E9');
  });

  test('wrong secret → InvalidSignatureException', async () => {
    await withFake(undefined, async (fake) => {
      const err = await rejection(getToken({ ...BASE, secretAccessKey: 'not-the-secret' }));
      assert.equal(err.name, 'InvalidSignatureException');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.equal(fake.requests[0]!.errorType, 'InvalidSignatureException');
      assert.match(fake.requests[0]!.authError ?? '', /canonical request:\nPOST\n\/\n/);
      assert.equal(fake.issued.length, 0);
    });
  });

  test('unknown key → UnrecognizedClientException', async () => {
    await withFake(undefined, async (fake) => {
      const err = await rejection(getToken({ accessKeyId: 'AKIAUNKNOWNUNKNOWN99', secretAccessKey: 'whatever' }));
      assert.equal(err.name, 'UnrecognizedClientException');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.equal(fake.requests[0]!.accessKeyId, 'AKIAUNKNOWNUNKNOWN99');
    });
  });

  test('temporary credentials need their session token', async () => {
    const temp = { accessKeyId: 'ASIAFAKEFAKEFAKE0002', secretAccessKey: 'temp/secret', sessionToken: 'the-session-token', account: '210987654321' };
    await withFake({ principals: [temp] }, async (fake) => {
      const { account: _account, ...creds } = temp;
      assert.equal((await rejection(getToken({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }))).name, 'UnrecognizedClientException');
      assert.equal((await rejection(getToken({ ...creds, sessionToken: 'wrong' }))).name, 'UnrecognizedClientException');
      const out = await getToken(creds);
      assert.equal(out.authorizationData![0]!.proxyEndpoint, 'https://210987654321.dkr.ecr.us-east-1.amazonaws.com');
      const rec = fake.requests[2]!;
      assert.equal(rec.headers['x-amz-security-token'], 'the-session-token');
      assert.ok(signedHeadersOf(rec.headers).includes('x-amz-security-token'));

      fake.expirePrincipal(temp.accessKeyId);
      assert.equal((await rejection(getToken(creds))).name, 'ExpiredTokenException');
    });
  });

  test('region: signatures must use the configured region; proxyEndpoint uses it', async () => {
    await withFake({ region: 'eu-west-1' }, async (fake) => {
      const err = await rejection(getToken(BASE, {}, 'us-east-1'));
      assert.equal(err.name, 'InvalidSignatureException');
      assert.match(err.message, /region/);
      const out = await getToken(BASE, {}, 'eu-west-1');
      assert.equal(out.authorizationData![0]!.proxyEndpoint, 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com');
      assert.equal(fake.issued[0]!.proxyEndpoint, out.authorizationData![0]!.proxyEndpoint);
    });
  });

  test('two registry ids → two entries with distinct proxy endpoints', async () => {
    await withFake(undefined, async (fake) => {
      const out = await getToken(BASE, { registryIds: ['111111111111', '222222222222'] });
      const data = out.authorizationData ?? [];
      assert.deepEqual(
        data.map((d) => d.proxyEndpoint),
        ['https://111111111111.dkr.ecr.us-east-1.amazonaws.com', 'https://222222222222.dkr.ecr.us-east-1.amazonaws.com'],
      );
      assert.equal(fake.issued.length, 2);
      assert.deepEqual(
        fake.issued.map((t) => [t.account, t.registryId]),
        [
          ['123456789012', '111111111111'],
          ['123456789012', '222222222222'],
        ],
      );
      assert.notEqual(fake.issued[0]!.password, fake.issued[1]!.password);
      data.forEach((d, i) => assert.equal(decodeToken(d.authorizationToken!), `AWS:${fake.issued[i]!.password}`));
      assert.deepEqual(fake.requests[0]!.registryIds, ['111111111111', '222222222222']);
    });
  });

  test('registry id that is not 12 digits → InvalidParameterException', async () => {
    await withFake(undefined, async (fake) => {
      const err = await rejection(getToken(BASE, { registryIds: ['12345'] }));
      assert.equal(err.name, 'InvalidParameterException');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.deepEqual(fake.requests[0]!.registryIds, ['12345']);
    });
  });

  test('denyRegistry and denied principals → AccessDeniedException', async () => {
    const denied = { accessKeyId: 'AKIAFAKEDENIED000003', secretAccessKey: 'denied/secret', account: '333333333333', deny: true };
    await withFake({ principals: [{ ...DEFAULT_FAKE_PRINCIPAL }, denied] }, async (fake) => {
      fake.denyRegistry('222222222222');
      const err = await rejection(getToken(BASE, { registryIds: ['111111111111', '222222222222'] }));
      assert.equal(err.name, 'AccessDeniedException');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.equal(fake.issued.length, 0);
      const ok = await getToken(BASE, { registryIds: ['111111111111'] });
      assert.equal(ok.authorizationData!.length, 1);

      const err2 = await rejection(getToken({ accessKeyId: denied.accessKeyId, secretAccessKey: denied.secretAccessKey }));
      assert.equal(err2.name, 'AccessDeniedException');
      assert.match(err2.message, /ecr:GetAuthorizationToken/);
      assert.deepEqual(
        fake.requests.map((r) => r.errorType),
        ['AccessDeniedException', undefined, 'AccessDeniedException'],
      );
    });
  });

  test('ThrottlingException / ServerException faults are retried by the SDK, then success', async () => {
    await withFake(undefined, async (fake) => {
      fake.enqueueEcrFaults({ status: 400, type: 'ThrottlingException' }, { status: 503, type: 'ServerException', message: 'try later' });
      const out = await getToken(BASE);
      assert.equal(out.$metadata.attempts, 3);
      assert.equal(out.authorizationData!.length, 1);
      assert.deepEqual(
        fake.requests.map((r) => [r.status, r.errorType, r.fault, r.headers['amz-sdk-request']]),
        [
          [400, 'ThrottlingException', 'error', 'attempt=1; max=3'],
          [503, 'ServerException', 'error', 'attempt=2; max=3'],
          [200, undefined, undefined, 'attempt=3; max=3'],
        ],
      );
      assert.equal(fake.issued.length, 1);
    });
  });

  test('retries exhausted → the SDK surfaces ThrottlingException', async () => {
    await withFake(undefined, async (fake) => {
      fake.enqueueEcrFaults(...Array.from({ length: 3 }, () => ({ status: 400, type: 'ThrottlingException' })));
      const err = await rejection(getToken(BASE));
      assert.equal(err.name, 'ThrottlingException');
      assert.equal(err.$metadata?.attempts, 3);
      assert.equal(fake.requests.length, 3);
    });
  });

  test('connection reset is retried; a delay answers normally afterwards', async () => {
    await withFake(undefined, async (fake) => {
      fake.enqueueEcrFaults({ reset: true }, { delayMs: 150 });
      const started = Date.now();
      const out = await getToken(BASE);
      assert.ok(Date.now() - started >= 150);
      assert.equal(out.authorizationData!.length, 1);
      assert.deepEqual(
        fake.requests.map((r) => [r.fault, r.status]),
        [
          ['reset', 0],
          ['delay', 200],
        ],
      );
    });
  });

  test('close() ends pending delayed requests and all sockets', async () => {
    const fake = await startFakeAws();
    process.env['AWS_ENDPOINT_URL_ECR'] = fake.url;
    const client = new ECRClient({ region: 'us-east-1', credentials: BASE, maxAttempts: 1 });
    try {
      fake.enqueueEcrFaults({ delayMs: 60_000 });
      const pending = client.send(new GetAuthorizationTokenCommand({}));
      pending.catch(() => undefined);
      while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      const started = Date.now();
      await fake.close();
      await rejection(pending);
      assert.ok(Date.now() - started < 5000);
      await fake.close(); // idempotent
    } finally {
      client.destroy();
      delete process.env['AWS_ENDPOINT_URL_ECR'];
    }
  });

  test('malformNextTokens: not-base64 and no-colon', async () => {
    await withFake(undefined, async (fake) => {
      fake.malformNextTokens('not-base64');
      fake.malformNextTokens('no-colon', 2);
      const a = (await getToken(BASE)).authorizationData![0]!.authorizationToken!;
      assert.doesNotMatch(a, /^[A-Za-z0-9+/]+={0,2}$/);
      const b = await getToken(BASE, { registryIds: ['111111111111', '222222222222'] });
      for (const d of b.authorizationData!) {
        const decoded = decodeToken(d.authorizationToken!);
        assert.ok(!decoded.includes(':'));
      }
      const c = (await getToken(BASE)).authorizationData![0]!.authorizationToken!;
      assert.equal(decodeToken(c), `AWS:${fake.issued[3]!.password}`);
      assert.deepEqual(
        fake.issued.map((t) => t.malformed),
        ['not-base64', 'no-colon', 'no-colon', undefined],
      );
    });
  });

  test('intercept hook answers first', async () => {
    await withFake(undefined, async (fake) => {
      let seen = '';
      fake.intercept = (req, res, body) => {
        seen = `${req.headers['x-amz-target']} ${body}`;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'InternalFailure' });
        res.end('{"__type":"InternalFailure","message":"boom"}');
        fake.intercept = undefined;
        return true;
      };
      const out = await getToken(BASE); // 500 is retried, then the normal handler answers
      assert.equal(out.authorizationData!.length, 1);
      assert.equal(seen, `${ECR_TARGET_PREFIX}GetAuthorizationToken {}`);
      assert.deepEqual(
        fake.requests.map((r) => [r.fault, r.status, r.errorType]),
        [
          ['intercepted', 500, 'InternalFailure'],
          [undefined, 200, undefined],
        ],
      );
    });
  });

  test('verification uses the SignedHeaders the request carries (CLI-v2 header set) and the body hash', async () => {
    await withFake(undefined, async (fake) => {
      const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${ECR_TARGET_PREFIX}GetAuthorizationToken` };
      const ok = await sendSigned(fake, { service: 'ecr', headers, body: '{}' });
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(signedHeadersOf(fake.requests[0]!.headers), ['content-type', 'host', 'x-amz-date', 'x-amz-target']);
      assert.match(ok.body, /^\{"authorizationData":\[\{"authorizationToken":"[A-Za-z0-9+/=]+","expiresAt":\d\.\d+E9,"proxyEndpoint":"https:\/\/123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com"\}\]\}$/);

      const tampered = await sendSigned(fake, { service: 'ecr', headers, body: '{}', tamperBody: '{"registryIds":["999999999999"]}' });
      assert.equal(tampered.status, 400);
      assert.equal(tampered.headers['x-amzn-errortype'], 'InvalidSignatureException');
      assert.equal((JSON.parse(tampered.body) as { __type: string }).__type, 'InvalidSignatureException');

      const wrongService = await sendSigned(fake, { service: 'sts', headers, body: '{}' });
      assert.equal(wrongService.status, 400);
      assert.equal(wrongService.headers['x-amzn-errortype'], 'InvalidSignatureException');
    });
  });
});

test('tls option: https:// url, the SDK connects with the certificate trusted', async (t) => {
  let key: string;
  let cert: string;
  try {
    const dir = mkdtempSync(join(tmp, 'tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  } catch {
    t.skip('openssl not available');
    return;
  }
  await withFake({ tls: { key, cert } }, async (fake) => {
    assert.match(fake.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new ECRClient({ region: 'us-east-1', credentials: BASE, requestHandler: { httpsAgent: new HttpsAgent({ ca: cert }) } });
    try {
      const out = await client.send(new GetAuthorizationTokenCommand({}));
      assert.equal(decodeToken(out.authorizationData![0]!.authorizationToken!), `AWS:${fake.issued[0]!.password}`);
    } finally {
      client.destroy();
    }
  });
});

// ----- STS --------------------------------------------------------------------------------------

describe('fake STS with the real credential providers', () => {
  const ROLE = 'arn:aws:iam::444455556666:role/ecr-reader';

  test('AssumeRole via fromTemporaryCredentials, then ECR signed with the session token', async () => {
    await withFake({ roles: [{ arn: ROLE, account: '444455556666', externalId: 'ext-123' }] }, async (fake) => {
      const credentials = fromTemporaryCredentials({
        masterCredentials: BASE,
        params: { RoleArn: ROLE, RoleSessionName: 'rancher-ecr-credentials', ExternalId: 'ext-123' },
        clientConfig: { region: 'us-east-1' },
      });
      const resolved = await credentials();
      const granted = fake.assumed[0]!;
      assert.match(resolved.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.equal(resolved.accessKeyId, granted.accessKeyId);
      assert.equal(resolved.secretAccessKey, granted.secretAccessKey);
      assert.equal(resolved.sessionToken, granted.sessionToken);
      assert.equal(resolved.expiration?.getTime(), granted.expiration.getTime());
      assert.equal(granted.externalId, 'ext-123');

      const sts = fake.requests[0]!;
      assert.equal(sts.service, 'sts');
      assert.equal(sts.action, 'AssumeRole');
      assert.equal(sts.accessKeyId, BASE.accessKeyId);
      assert.equal(sts.roleArn, ROLE);
      assert.equal(sts.status, 200);
      assert.match(String(sts.headers['authorization']), /\/us-east-1\/sts\/aws4_request/);

      // The provider is not memoized on its own: the ECR client (which caches credentials) calls it again.
      const out = await getToken(credentials);
      assert.equal(out.authorizationData![0]!.proxyEndpoint, 'https://444455556666.dkr.ecr.us-east-1.amazonaws.com');
      assert.equal(fake.assumed.length, 2);
      const latest = fake.assumed[1]!;
      const ecr = fake.requests.at(-1)!;
      assert.equal(ecr.service, 'ecr');
      assert.equal(ecr.accessKeyId, latest.accessKeyId);
      assert.equal(ecr.headers['x-amz-security-token'], latest.sessionToken);
      assert.ok(signedHeadersOf(ecr.headers).includes('x-amz-security-token'));
      assert.equal(fake.issued[0]!.account, '444455556666');
    });
  });

  test('AssumeRole refusals: wrong ExternalId, unknown role, bad signature; denied role → ECR AccessDenied', async () => {
    const DENIED = 'arn:aws:iam::777788889999:role/no-ecr';
    await withFake(
      {
        roles: [
          { arn: ROLE, account: '444455556666', externalId: 'ext-123' },
          { arn: DENIED, account: '777788889999', deny: true },
        ],
      },
      async (fake) => {
        const assume = (roleArn: string, extra: { ExternalId?: string } = {}, master = BASE) =>
          fromTemporaryCredentials({ masterCredentials: master, params: { RoleArn: roleArn, RoleSessionName: 's1', ...extra }, clientConfig: { region: 'us-east-1' } })();

        const wrongExt = await rejection(assume(ROLE, { ExternalId: 'nope' }));
        assert.equal(wrongExt.name, 'AccessDenied');
        assert.equal(wrongExt.$metadata?.httpStatusCode, 403);
        assert.match(wrongExt.message, /not authorized to perform: sts:AssumeRole/);
        assert.equal((await rejection(assume(ROLE))).name, 'AccessDenied');
        assert.equal((await rejection(assume('arn:aws:iam::444455556666:role/unknown'))).name, 'AccessDenied');
        assert.equal((await rejection(assume(ROLE, { ExternalId: 'ext-123' }, { ...BASE, secretAccessKey: 'bad' }))).name, 'SignatureDoesNotMatch');
        assert.equal((await rejection(assume(ROLE, { ExternalId: 'ext-123' }, { accessKeyId: 'AKIANOBODYNOBODY0000', secretAccessKey: 'x' }))).name, 'InvalidClientTokenId');
        assert.equal(fake.assumed.length, 0);

        const creds = await assume(DENIED);
        const err = await rejection(getToken(creds));
        assert.equal(err.name, 'AccessDeniedException');
        assert.match(err.message, /assumed-role\/no-ecr\/s1/);
      },
    );
  });

  test('STS throttling is retried', async () => {
    await withFake({ roles: [{ arn: ROLE, account: '444455556666' }] }, async (fake) => {
      fake.enqueueStsFaults({ status: 400, type: 'Throttling', message: 'Rate exceeded' });
      const creds = await fromTemporaryCredentials({ masterCredentials: BASE, params: { RoleArn: ROLE }, clientConfig: { region: 'us-east-1' } })();
      assert.match(creds.accessKeyId, /^ASIA/);
      assert.deepEqual(
        fake.requests.map((r) => [r.action, r.status, r.errorType]),
        [
          ['AssumeRole', 400, 'Throttling'],
          ['AssumeRole', 200, undefined],
        ],
      );
    });
  });

  test('AssumeRoleWithWebIdentity (unsigned) via fromTokenFile and fromWebToken', async () => {
    const claims = Buffer.from(JSON.stringify({ iss: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', sub: 'system:serviceaccount:cattle:ecr', aud: 'sts.amazonaws.com' })).toString('base64url');
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${claims}.c2lnbmF0dXJl`;
    const tokenFile = join(tmp, 'web-identity-token');
    writeFileSync(tokenFile, jwt);
    await withFake({ roles: [{ arn: ROLE, account: '444455556666' }] }, async (fake) => {
      process.env['AWS_REGION'] = 'us-east-1';
      try {
        const creds = await fromTokenFile({ webIdentityTokenFile: tokenFile, roleArn: ROLE, roleSessionName: 'irsa' })();
        assert.equal(creds.accessKeyId, fake.assumed[0]!.accessKeyId);
        assert.equal(fake.assumed[0]!.action, 'AssumeRoleWithWebIdentity');
        assert.equal(fake.assumed[0]!.webIdentityToken, jwt);
        const sts = fake.requests[0]!;
        assert.equal(sts.action, 'AssumeRoleWithWebIdentity');
        assert.equal(sts.headers['authorization'], undefined);
        assert.equal(sts.accessKeyId, undefined);

        const out = await getToken(creds);
        assert.equal(out.authorizationData![0]!.proxyEndpoint, 'https://444455556666.dkr.ecr.us-east-1.amazonaws.com');

        const denied = await rejection(fromWebToken({ roleArn: 'arn:aws:iam::444455556666:role/other', webIdentityToken: jwt })());
        assert.equal(denied.name, 'AccessDenied');
      } finally {
        delete process.env['AWS_REGION'];
      }
    });
  });

  test('GetCallerIdentity (signed, hand-made request) reports the principal', async () => {
    await withFake(undefined, async (fake) => {
      const res = await sendSigned(fake, {
        service: 'sts',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      });
      assert.equal(res.status, 200, res.body);
      assert.match(res.body, /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
      assert.match(res.body, /<Account>123456789012<\/Account>/);
      const unknown = await sendSigned(fake, { service: 'sts', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=Nope&Version=2011-06-15' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body, /<Code>InvalidAction<\/Code>/);
      assert.match(unknown.body, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>/);
    });
  });
});

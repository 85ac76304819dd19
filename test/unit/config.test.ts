import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Flags, resolveConfig, SETTINGS } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';

const RANCHER_ENV = { CATTLE_URL: 'http://rancher:8080/v2-beta/projects/1a5', CATTLE_ACCESS_KEY: 'AK1234', CATTLE_SECRET_KEY: 'SK123456' };

test('the old container variables configure a sync', () => {
  const config = resolveConfig({}, { ...RANCHER_ENV, AWS_REGION: 'eu-west-1', AWS_ECR_REGISTRY_IDS: '111111111111, 222222222222', AUTO_CREATE: 'true', LOG_LEVEL: 'WARN' }, { rancher: true });
  assert.equal(config.aws.region, 'eu-west-1');
  assert.deepEqual(config.aws.registryIds, ['111111111111', '222222222222']);
  assert.equal(config.rancher?.url.toString(), 'http://rancher:8080/v2-beta/projects/1a5');
  assert.equal(config.rancher?.accessKey, 'AK1234');
  assert.equal(config.rancher?.create, true);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.output, 'text');
  assert.equal(config.timeoutMs, 60_000);
  assert.equal(config.retries, 3);
});

test('flags win over the environment; RANCHER_* names are fallbacks', () => {
  const config = resolveConfig(
    { region: 'us-west-2', rancherUrl: 'https://r.example.com/v1', create: true, output: 'json', timeout: '2.5', retries: '0' },
    { AWS_REGION: 'eu-west-1', RANCHER_URL: 'http://other/v1', RANCHER_ACCESS_KEY: 'AK1234', RANCHER_SECRET_KEY: 'SK123456', AUTO_CREATE: 'false' },
    { rancher: true },
  );
  assert.equal(config.aws.region, 'us-west-2');
  assert.equal(config.rancher?.url.host, 'r.example.com');
  assert.equal(config.rancher?.secretKey, 'SK123456');
  assert.equal(config.rancher?.create, true);
  assert.equal(config.output, 'json');
  assert.equal(config.timeoutMs, 2500);
  assert.equal(config.retries, 0);
});

test('AWS_DEFAULT_REGION is the fallback of AWS_REGION; no region is left to the SDK profile', () => {
  assert.equal(resolveConfig({}, { AWS_DEFAULT_REGION: 'ap-south-1' }, { rancher: false }).aws.region, 'ap-south-1');
  assert.equal(resolveConfig({}, {}, { rancher: false }).aws.region, undefined);
});

test('AWS_ROLE_ARN is ours only when no web identity token file claims it', () => {
  const arn = 'arn:aws:iam::123456789012:role/ecr-reader';
  assert.equal(resolveConfig({}, { AWS_ROLE_ARN: arn }, { rancher: false }).aws.roleArn, arn);
  assert.equal(resolveConfig({}, { AWS_ROLE_ARN: arn, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/token' }, { rancher: false }).aws.roleArn, undefined);
  assert.equal(resolveConfig({ roleArn: arn }, { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/token' }, { rancher: false }).aws.roleArn, arn);
});

test('--verbose and --quiet set the log level', () => {
  assert.equal(resolveConfig({ verbose: true }, { LOG_LEVEL: 'error' }, { rancher: false }).logLevel, 'debug');
  assert.equal(resolveConfig({ quiet: true }, {}, { rancher: false }).logLevel, 'error');
});

test('show-token needs no Rancher settings', () => {
  assert.equal(resolveConfig({}, {}, { rancher: false }).rancher, undefined);
});

/** Each bad input, the setting its one line must name. */
const BAD_INPUTS: Array<[string, Flags, Record<string, string>, RegExp]> = [
  ['missing Rancher URL', {}, { CATTLE_ACCESS_KEY: 'AK1234', CATTLE_SECRET_KEY: 'SK123456' }, /--rancher-url or set CATTLE_URL/],
  ['URL without scheme', { rancherUrl: 'rancher:8080/v1' }, RANCHER_ENV, /--rancher-url must start with http/],
  ['URL that is not a URL', { rancherUrl: 'not a url' }, RANCHER_ENV, /--rancher-url: 'not a url' is not a URL/],
  ['URL with credentials', {}, { ...RANCHER_ENV, CATTLE_URL: 'http://ak:sk@rancher/v1' }, /CATTLE_URL must not contain credentials/],
  ['ftp URL', { rancherUrl: 'ftp://rancher/v1' }, RANCHER_ENV, /must start with http/],
  ['empty access key', { accessKey: '' }, { ...RANCHER_ENV, CATTLE_ACCESS_KEY: '' }, /Missing Rancher access key: pass --access-key or set CATTLE_ACCESS_KEY/],
  ['empty secret key', {}, { ...RANCHER_ENV, CATTLE_SECRET_KEY: '' }, /Missing Rancher secret key: pass --secret-key or set CATTLE_SECRET_KEY/],
  ['access key with colon', { accessKey: 'a:b' }, RANCHER_ENV, /--access-key: .*colons/],
  ['unknown output', { output: 'yaml' }, RANCHER_ENV, /--output must be text or json, not 'yaml'/],
  ['non-numeric timeout', { timeout: 'soon' }, RANCHER_ENV, /--timeout must be a number/],
  ['zero timeout', { timeout: '0' }, RANCHER_ENV, /--timeout must be a number from 1/],
  ['fractional retries', { retries: '1.5' }, RANCHER_ENV, /--retries must be a whole number/],
  ['registry id not 12 digits', { registryIds: '12345' }, RANCHER_ENV, /--registry-ids: '12345' is not a 12-digit AWS account id/],
  ['registry id from env', {}, { ...RANCHER_ENV, AWS_ECR_REGISTRY_IDS: '111111111111,abc' }, /AWS_ECR_REGISTRY_IDS: 'abc'/],
  ['role ARN that is not an ARN', { roleArn: 'ecr-reader' }, RANCHER_ENV, /--role-arn: 'ecr-reader' is not an IAM role ARN/],
  ['bad region', { region: 'Europe' }, RANCHER_ENV, /--region: 'Europe' is not an AWS region/],
  ['bad log level', {}, { ...RANCHER_ENV, LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of debug, info, warn, error/],
  ['bad AUTO_CREATE', {}, { ...RANCHER_ENV, AUTO_CREATE: 'maybe' }, /AUTO_CREATE must be true or false/],
];

for (const [name, flags, env, message] of BAD_INPUTS) {
  test(`bad input: ${name} → one-line usage error naming the setting`, () => {
    assert.throws(() => resolveConfig(flags, env, { rancher: true }), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });
}

test('a URL with credentials never echoes them', () => {
  assert.throws(() => resolveConfig({}, { ...RANCHER_ENV, CATTLE_URL: 'http://ak:hunter2secret@rancher/v1' }, { rancher: true }), (error: Error) => !error.message.includes('hunter2secret'));
});

test('property: any flags and environment give a Config or a UsageError, nothing else', () => {
  const keys = SETTINGS.map((s) => s.key);
  const envNames = SETTINGS.flatMap((s) => s.env);
  const value = fc.oneof(fc.string(), fc.constantFrom('', ' ', 'true', '0', '-1', 'NaN', '1e309', 'http://x', 'http://a:b@c', 'arn:aws:iam::123456789012:role/x', '123456789012'));
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...keys), fc.oneof(value, fc.boolean())),
      fc.dictionary(fc.constantFrom(...envNames), value),
      fc.boolean(),
      (flags, env, rancher) => {
        try {
          const config = resolveConfig(flags as Flags, env, { rancher });
          assert.ok(config.timeoutMs > 0 && Number.isFinite(config.timeoutMs));
          assert.ok(Number.isInteger(config.retries));
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
        }
      },
    ),
    { numRuns: 3000 },
  );
});

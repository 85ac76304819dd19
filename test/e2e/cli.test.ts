import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { flagName, SETTINGS } from '../../src/config.ts';
import { EXIT_CODE_TABLE } from '../../src/exit-codes.ts';
import { ROOT, hermeticAwsEnv, runCli } from '../helpers/cli.ts';
import { ACCOUNT, AWS_KEY, World, withWorld } from '../helpers/world.ts';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('bad input: one line naming the problem, exit 2, no stack trace, nothing sent anywhere', () => {
  let world: World;
  before(async () => {
    world = await World.start();
  });
  after(() => world.close());

  const cases: Array<[string, string[], Record<string, string | undefined>, RegExp]> = [
    ['unknown flag', ['sync', '--regoin', 'us-east-1'], {}, /unknown option '--regoin'.*\(see --help\)/],
    ['unknown command', ['synk'], {}, /unknown command 'synk'/],
    ['missing Rancher URL', ['sync'], { CATTLE_URL: undefined }, /Missing Rancher URL: pass --rancher-url or set CATTLE_URL/],
    ['URL without scheme', ['dry-run', '--rancher-url', 'rancher:8080/v1'], {}, /--rancher-url must start with http:\/\/ or https:\/\//],
    ['URL with credentials', ['sync'], { CATTLE_URL: 'http://user:pass@127.0.0.1:1/v1' }, /CATTLE_URL must not contain credentials/],
    ['unknown output', ['show-token', '-o', 'yaml'], {}, /--output must be text or json, not 'yaml'/],
    ['non-numeric timeout', ['sync', '--timeout', 'soon'], {}, /--timeout must be a number/],
    ['short registry id', ['sync'], { AWS_ECR_REGISTRY_IDS: '1234' }, /AWS_ECR_REGISTRY_IDS: '1234' is not a 12-digit AWS account id/],
    ['empty secret key', ['sync'], { CATTLE_SECRET_KEY: '' }, /Missing Rancher secret key: pass --secret-key or set CATTLE_SECRET_KEY/],
    ['role ARN that is not an ARN', ['show-token', '--role-arn', 'reader'], {}, /--role-arn: 'reader' is not an IAM role ARN/],
    ['missing region', ['show-token'], { AWS_REGION: undefined }, /Missing AWS region: pass --region or set AWS_REGION/],
    ['a missing --ca-cert file', ['show-token', '--ca-cert', '/nonexistent/ca.pem'], {}, /--ca-cert: cannot use '\/nonexistent\/ca.pem'/],
  ];
  for (const [name, args, overrides, message] of cases) {
    test(name, async () => {
      const awsBefore = world.aws.requests.length;
      const rancherBefore = world.cattle.requests.length;
      const result = await world.run(args, world.env({ LOG_LEVEL: undefined, ...overrides }));
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.ok(!result.stderr.includes('    at '), 'no stack trace');
      assert.equal(world.cattle.requests.length, rancherBefore, 'no request to Rancher');
      assert.equal(world.aws.requests.length, awsBefore, 'no request to AWS');
    });
  }

  test('no command at all prints the help on stderr and exits 2', async () => {
    const result = await runCli([], hermeticAwsEnv());
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: rancher-ecr-credentials/);
  });
});

describe('AWS failures', () => {
  test('no AWS credentials anywhere → exit 3 naming the ways to provide them', async () => {
    await withWorld({}, async (world) => {
      const result = await world.run(['sync'], world.env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }));
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stdout, /No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });

  for (const kind of ['not-base64', 'no-colon'] as const) {
    test(`a malformed ECR token (${kind}) → exit 3, nothing written`, async () => {
      await withWorld({}, async (world) => {
        world.aws.malformNextTokens(kind, 5);
        const result = await world.run(['sync']);
        assert.equal(result.code, 3, result.stdout + result.stderr);
        assert.match(result.stdout, /malformed authorization token/);
        assert.deepEqual(world.cattle.writes(), []);
      });
    });
  }

  test('once AWS has failed, a Rancher read still in flight does not keep the run alive', async () => {
    await withWorld({ aws: { principals: [{ ...AWS_KEY, account: ACCOUNT, deny: true }] } }, async (world) => {
      world.cattle.intercept = async () => {
        await new Promise((resolve) => setTimeout(resolve, 8000));
        return false;
      };
      const started = Date.now();
      const result = await world.run(['sync']);
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms: it waited for Rancher`);
      assert.ok(!result.stderr.includes('retry'), 'no retry of the abandoned read');
    });
  });

  test('--role-arn assumes the role first and fetches the token with its temporary keys', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/ecr-reader`;
    await withWorld({ aws: { roles: [{ arn: roleArn, account: ACCOUNT, externalId: 'ext-123' }] } }, async (world) => {
      const result = await world.run(['sync', '--role-arn', roleArn, '--external-id', 'ext-123']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const [assume, ecr] = world.aws.requests;
      assert.equal(assume?.action, 'AssumeRole');
      assert.equal(assume?.accessKeyId, AWS_KEY.accessKeyId);
      assert.equal(ecr?.action, 'GetAuthorizationToken');
      assert.match(ecr?.accessKeyId ?? '', /^ASIA/);
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
      for (const creds of world.aws.assumed) {
        assert.ok(!(result.stdout + result.stderr).includes(creds.secretAccessKey));
        assert.ok(!(result.stdout + result.stderr).includes(creds.sessionToken));
      }
    });
  });

  test('a wrong external id → exit 3 and no write', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/ecr-reader`;
    await withWorld({ aws: { roles: [{ arn: roleArn, account: ACCOUNT, externalId: 'ext-123' }] } }, async (world) => {
      const result = await world.run(['sync'], world.env({ AWS_ROLE_ARN: roleArn, AWS_ROLE_EXTERNAL_ID: 'wrong' }));
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });
});

describe('help, version and README say the same as the code', () => {
  test('--help lists every exit code and the commands; README has the same exit-code table', async () => {
    const result = await runCli(['--help'], hermeticAwsEnv());
    assert.equal(result.code, 0);
    for (const { code, meaning } of EXIT_CODE_TABLE) {
      assert.ok(result.stdout.includes(`  ${code}  ${meaning}`), `--help lacks exit code ${code}`);
      assert.ok(README.includes(`| ${code} | ${meaning} |`), `README lacks exit code ${code}: ${meaning}`);
    }
    for (const command of ['sync', 'dry-run', 'show-token']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  test('every setting is in sync --help and in README with all its environment variables', async () => {
    const help = (await runCli(['sync', '--help'], hermeticAwsEnv())).stdout.replace(/\s+/g, ' ');
    for (const spec of SETTINGS) {
      const flag = flagName(spec);
      assert.ok(help.includes(flag), `sync --help lacks ${flag}`);
      const row = README.split('\n').find((line) => line.startsWith('| ') && line.includes(`\`${flag}\``));
      assert.ok(row, `README's configuration table lacks ${flag}`);
      for (const name of spec.env) {
        assert.ok(help.includes(name), `sync --help lacks ${name}`);
        assert.ok(row.includes(`\`${name}\``), `README's row for ${flag} lacks ${name}`);
      }
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const result = await runCli(['--version'], hermeticAwsEnv());
    assert.equal(result.stdout.trim(), pkg.version);
  });

  test('README starts with the two quick-start commands, and .ci/run runs exactly the test one', () => {
    const firstBlock = README.split('```')[1] ?? '';
    assert.match(firstBlock, /npm ci && npm run demo/);
    assert.match(firstBlock, /npm ci && npm test/);
    assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /^npm ci && npm test$/m);
  });
});

describe('AWS credential sources', () => {
  test('a named profile of the shared files gives the keys and the region', async () => {
    await withWorld({}, async (world) => {
      const env = world.env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined, AWS_PROFILE: 'ecr' });
      env.AWS_CONFIG_FILE = join(env.HOME!, 'config');
      env.AWS_SHARED_CREDENTIALS_FILE = join(env.HOME!, 'credentials');
      writeFileSync(env.AWS_CONFIG_FILE, '[profile ecr]\nregion = us-east-1\n');
      writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, `[ecr]\naws_access_key_id = ${AWS_KEY.accessKeyId}\naws_secret_access_key = ${AWS_KEY.secretAccessKey}\n`);
      const result = await world.run(['sync'], env);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(world.aws.requests.at(-1)?.accessKeyId, AWS_KEY.accessKeyId);
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
    });
  });

  test('web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN is left to the SDK', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/irsa-ecr`;
    await withWorld({ aws: { roles: [{ arn: roleArn, account: ACCOUNT }] } }, async (world) => {
      const env = world.env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_ROLE_ARN: roleArn });
      const tokenFile = join(env.HOME!, 'web-identity-token');
      writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.fake-projected-service-account-token.sig');
      const result = await world.run(['sync'], { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(world.aws.requests.map((r) => r.action), ['AssumeRoleWithWebIdentity', 'GetAuthorizationToken'], 'one assume, by the SDK; not a second AssumeRole of ours');
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
    });
  });
});

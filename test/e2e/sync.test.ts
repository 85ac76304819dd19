import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACCOUNT, HOST, STALE_PASSWORD, World, withWorld } from '../helpers/world.ts';

const SECOND_ACCOUNT = '210987654321';
const SECOND_HOST = `${SECOND_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;

describe('sync against Rancher 1.x', () => {
  test('replaces the stale credential through its own link, with user AWS and a non-empty email', async () => {
    await withWorld({}, async (world) => {
      const result = await world.run(['sync']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`✓ ${HOST}: updated credential ${world.credentialIds[0]} of registry ${world.registryIds[0]}`));
      const [credential] = world.cattle.credentials(world.projectId);
      assert.equal(credential?.secretValue, world.lastPassword());
      assert.notEqual(credential?.secretValue, STALE_PASSWORD);
      assert.equal(credential?.publicValue, 'AWS');
      assert.ok(typeof credential?.email === 'string' && credential.email !== '');
      const writes = world.cattle.writes();
      assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [`PUT /v1/registrycredentials/${world.credentialIds[0]}`]);
      assert.equal(result.stderr.includes('Warning'), false, 'no library warnings');
    });
  });

  for (const address of [HOST, `https://${HOST}`, `${HOST}/`, HOST.toUpperCase(), `${HOST}:443`, `https://${HOST}:443/`]) {
    test(`matches a registry stored as ${address}`, async () => {
      await withWorld({ registries: ['quay.io', address] }, async (world) => {
        const result = await world.run(['sync']);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.deepEqual(world.secretsOf(world.registryIds[1]!), [world.lastPassword()]);
        assert.deepEqual(world.secretsOf(world.registryIds[0]!), [STALE_PASSWORD], 'the other registry is untouched');
      });
    });
  }

  test('a registry without a credential gets one; a second run updates it instead of adding another', async () => {
    await withWorld({ registries: [] }, async (world) => {
      const registry = world.cattle.addRegistry(world.projectId, HOST);
      const first = await world.run(['sync']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stdout, /created a credential for registry/);
      const second = await world.run(['sync']);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.deepEqual(world.secretsOf(registry.id), [world.lastPassword()]);
    });
  });

  test('several credentials: the active ones are updated, an inactive one is left, none deleted', async () => {
    await withWorld({}, async (world) => {
      const extra = world.cattle.addCredential(world.projectId, world.registryIds[0]!, { publicValue: 'AWS', secretValue: 'second-stale-password' });
      const inactive = world.cattle.addCredential(world.projectId, world.registryIds[0]!, { publicValue: 'AWS', secretValue: 'inactive-password', state: 'inactive' });
      const result = await world.run(['sync']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const byId = new Map(world.cattle.credentials(world.projectId).map((c) => [c.id, c.secretValue]));
      assert.equal(byId.get(world.credentialIds[0]!), world.lastPassword());
      assert.equal(byId.get(extra.id), world.lastPassword());
      assert.equal(byId.get(inactive.id), 'inactive-password');
      assert.ok(world.cattle.writes().every((w) => w.method === 'PUT'));
    });
  });

  test('no matching registry → exit 7 and no write; --create twice leaves exactly one registry', async () => {
    await withWorld({ registries: ['index.docker.io'] }, async (world) => {
      const none = await world.run(['sync']);
      assert.equal(none.code, 7, none.stdout + none.stderr);
      assert.match(none.stdout, /no Rancher registry has this address; run with --create/);
      assert.deepEqual(world.cattle.writes(), []);

      const first = await world.run(['sync', '--create']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const second = await world.run(['sync'], world.env({ AUTO_CREATE: 'true' }));
      assert.equal(second.code, 0, second.stdout + second.stderr);
      const ecrRegistries = world.cattle.registries(world.projectId).filter((r) => String(r.serverAddress).toLowerCase() === HOST);
      assert.equal(ecrRegistries.length, 1);
      assert.deepEqual(world.secretsOf(String(ecrRegistries[0]!.id)), [world.lastPassword()]);
    });
  });

  test('two registry ids: two endpoints, each registry gets its own account token', async () => {
    await withWorld({ registries: [HOST, SECOND_HOST] }, async (world) => {
      const result = await world.run(['sync', '--registry-ids', `${ACCOUNT},${SECOND_ACCOUNT}`, '--output', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(report.endpoints.map((e: { ecrRegistryId: string; host: string; status: string }) => `${e.ecrRegistryId} ${e.host} ${e.status}`), [`${ACCOUNT} ${HOST} updated`, `${SECOND_ACCOUNT} ${SECOND_HOST} updated`]);
      const issued = new Map(world.aws.issued.map((t) => [t.registryId, t.password]));
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [issued.get(ACCOUNT)]);
      assert.deepEqual(world.secretsOf(world.registryIds[1]!), [issued.get(SECOND_ACCOUNT)]);
    });
  });

  test('one of two endpoints failing → exit 6, the other is still updated', async () => {
    await withWorld({ registries: [HOST, SECOND_HOST] }, async (world) => {
      world.aws.denyRegistry(SECOND_ACCOUNT);
      const result = await world.run(['sync'], world.env({ AWS_ECR_REGISTRY_IDS: `${ACCOUNT},${SECOND_ACCOUNT}` }));
      assert.equal(result.code, 6, result.stdout + result.stderr);
      assert.match(result.stdout, /✗ account 210987654321: AWS refused the ECR call for 210987654321 \(AccessDeniedException/);
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
      assert.deepEqual(world.secretsOf(world.registryIds[1]!), [STALE_PASSWORD]);
    });
  });

  test('ECR access denied → exit 3 and nothing written to Rancher', async () => {
    await withWorld({ aws: { principals: [{ accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'fake/secret/key/0001', account: ACCOUNT, deny: true }] } }, async (world) => {
      const result = await world.run(['sync']);
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stdout, /AccessDeniedException/);
      assert.match(result.stdout, /ecr:GetAuthorizationToken/);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });

  test('a wrong Rancher secret key → exit 4, no retry storm, nothing written', async () => {
    await withWorld({}, async (world) => {
      const result = await world.run(['sync'], world.env({ CATTLE_SECRET_KEY: 'wrong-secret-key-value' }));
      assert.equal(result.code, 4, result.stdout + result.stderr);
      assert.match(result.stdout, /Rancher rejected the API keys \(401/);
      assert.ok(!(result.stdout + result.stderr).includes('wrong-secret-key-value'));
      assert.equal(world.cattle.requests.filter((r) => r.status === 401).length, 1);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });

  test('transient 503s from Rancher are retried, then the sync succeeds', async () => {
    await withWorld({}, async (world) => {
      let failures = 2;
      world.cattle.intercept = (_req, res) => {
        if (failures-- <= 0) return false;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
        return true;
      };
      const result = await world.run(['sync']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(world.cattle.requests.filter((r) => r.status === 503).length, 2);
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
    });
  });

  test('a normal run prints the report and nothing else: no library warnings in cron mail', async () => {
    await withWorld({}, async (world) => {
      const result = await world.run(['sync'], world.env({ LOG_LEVEL: undefined }));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const quiet = await world.run(['sync', '--quiet'], world.env({ LOG_LEVEL: undefined }));
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stdout + quiet.stderr, '', '--quiet success is silent');
    });
  });

  describe('shared world', () => {
    let world: World;
    before(async () => {
      world = await World.start();
    });
    after(() => world.close());

    test('dry-run reads Rancher, shows the plan and sends no POST, PUT or DELETE', async () => {
      const result = await world.run(['dry-run']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`~ ${HOST}: would update credential ${world.credentialIds[0]} of registry ${world.registryIds[0]}`));
      assert.match(result.stdout, /Dry run, nothing written/);
      assert.ok(world.cattle.requests.length > 0);
      assert.deepEqual(world.cattle.requests.filter((r) => r.method !== 'GET'), []);
      assert.deepEqual(world.secretsOf(world.registryIds[0]!), [STALE_PASSWORD]);
    });

    test('show-token masks the password; --password prints only it; JSON carries it only when asked', async () => {
      const masked = await world.run(['show-token']);
      assert.equal(masked.code, 0, masked.stderr);
      assert.match(masked.stdout, new RegExp(`https://${HOST}`));
      assert.match(masked.stdout, /username {2}AWS/);
      assert.match(masked.stdout, /password {2}\*{8} \(\d+ characters/);
      assert.match(masked.stdout, /expires {3}\d{4}-\d\d-\d\dT/);

      const raw = await world.run(['show-token', '--password'], world.env({ LOG_LEVEL: undefined }), { revealsPassword: true });
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(raw.stdout, `${world.lastPassword()}\n`);
      assert.equal(raw.stderr, '');

      const json = await world.run(['show-token', '-o', 'json']);
      const report = JSON.parse(json.stdout);
      assert.equal(report.endpoints[0].endpoint, `https://${HOST}`);
      assert.equal(report.endpoints[0].username, 'AWS');
      assert.equal('password' in report.endpoints[0], false);
      assert.deepEqual(world.cattle.requests.filter((r) => r.method !== 'GET'), [], 'show-token never writes');
    });
  });
});

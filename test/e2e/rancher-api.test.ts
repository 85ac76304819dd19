import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { HOST, STALE_PASSWORD, World, withWorld } from '../helpers/world.ts';

/** Every base URL form users have configured, with the key kind it needs. */
describe('Rancher 1.x base URLs and keys', () => {
  for (const form of ['/v1', '/v2-beta', '/v1/projects/{id}', '/v2-beta/projects/{id}', '/v2-beta/projects/{id}/', '']) {
    test(`environment key with CATTLE_URL=<server>${form || ' (no path)'}`, async () => {
      await withWorld({}, async (world) => {
        const url = `${world.cattle.url}${form.replace('{id}', world.projectId)}`;
        const result = await world.run(['sync'], world.env({ CATTLE_URL: url }));
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
      });
    });
  }

  for (const form of ['/v1/projects/{id}', '/v2-beta/projects/{id}']) {
    test(`account key with CATTLE_URL=<server>${form}`, async () => {
      await withWorld({}, async (world) => {
        const key = world.cattle.addAccountKey([world.projectId]);
        const url = `${world.cattle.url}${form.replace('{id}', world.projectId)}`;
        const result = await world.run(['sync'], world.env({ CATTLE_URL: url, CATTLE_ACCESS_KEY: key.accessKey, CATTLE_SECRET_KEY: key.secretKey }));
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
      });
    });
  }

  test('an account key at the bare /v2-beta root → exit 2 saying to add the environment to the URL', async () => {
    await withWorld({}, async (world) => {
      const key = world.cattle.addAccountKey([world.projectId]);
      const result = await world.run(['sync'], world.env({ CATTLE_URL: `${world.cattle.url}/v2-beta`, CATTLE_ACCESS_KEY: key.accessKey, CATTLE_SECRET_KEY: key.secretKey }));
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stderr, /account key.*\/v2-beta\/projects\/<id>/);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });

  test("an environment key pointed at another environment's URL → exit 4", async () => {
    await withWorld({}, async (world) => {
      const other = world.cattle.addProject('Other');
      const result = await world.run(['sync'], world.env({ CATTLE_URL: `${world.cattle.url}/v2-beta/projects/${other}` }));
      assert.equal(result.code, 4, result.stdout + result.stderr);
      assert.match(result.stdout, /403 Forbidden/);
      assert.deepEqual(world.cattle.writes(), []);
    });
  });

  test('the target registry on a later page is found: every page is read', async () => {
    await withWorld({ registries: [], cattle: { maxPageSize: 40 } }, async (world) => {
      for (let i = 0; i < 95; i++) world.cattle.addRegistry(world.projectId, `registry-${i}.example.com`);
      const target = world.cattle.addRegistry(world.projectId, `https://${HOST}`);
      world.cattle.addCredential(world.projectId, target.id, { publicValue: 'AWS', secretValue: STALE_PASSWORD });
      const result = await world.run(['sync']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(world.secretsOf(target.id), [world.lastPassword()]);
      const registryPages = world.cattle.requests.filter((r) => r.method === 'GET' && /\/registries$/.test(r.path));
      assert.equal(registryPages.length, 3);
    });
  });

  test('removed registries are ignored; --create makes a new one rather than reviving it', async () => {
    await withWorld({ registries: [] }, async (world) => {
      const removed = world.cattle.addRegistry(world.projectId, HOST, { state: 'removed' });
      const none = await world.run(['sync']);
      assert.equal(none.code, 7, none.stdout + none.stderr);
      const created = await world.run(['sync', '--create']);
      assert.equal(created.code, 0, created.stdout + created.stderr);
      const live = world.cattle.registries(world.projectId).filter((r) => r.id !== removed.id && r.serverAddress === HOST);
      assert.equal(live.length, 1);
      assert.deepEqual(world.secretsOf(String(live[0]!.id)), [world.lastPassword()]);
    });
  });

  for (const count of [1, 100, 1000]) {
    test(`one endpoint in an environment of ${count} registries takes at most 6 Rancher requests`, async () => {
      await withWorld({ registries: [] }, async (world) => {
        for (let i = 1; i < count; i++) world.cattle.addRegistry(world.projectId, `registry-${i}.example.com`);
        const target = world.cattle.addRegistry(world.projectId, HOST);
        world.cattle.addCredential(world.projectId, target.id, { publicValue: 'AWS', secretValue: STALE_PASSWORD });
        const result = await world.run(['sync']);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.deepEqual(world.secretsOf(target.id), [world.lastPassword()]);
        assert.ok(world.cattle.requests.length <= 6, `made ${world.cattle.requests.length} requests: ${world.cattle.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
      });
    });
  }

  test('a Rancher 2.x server (v3 API) → exit 5 saying what answered', async () => {
    await withWorld({}, async (world) => {
      world.cattle.intercept = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-api-schemas': `${world.cattle.url}/v3/schemas` });
        res.end(JSON.stringify({ type: 'apiRoot', id: 'v3', links: { self: `${world.cattle.url}/v3` } }));
        return true;
      };
      const result = await world.run(['sync'], world.env({ CATTLE_URL: `${world.cattle.url}/v3` }));
      assert.equal(result.code, 5, result.stdout + result.stderr);
      assert.match(result.stdout, /answered as the Rancher 2\.x v3 API, not the Rancher 1\.x \(Cattle\) API/);
    });
  });

  test('Rancher unreachable → exit 5 naming the server; the ECR call still happened', async () => {
    const world = await World.start();
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    try {
      const result = await world.run(['sync', '--retries', '1'], world.env({ CATTLE_URL: `http://127.0.0.1:${closed}/v1` }));
      assert.equal(result.code, 5, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`Cannot reach Rancher at http://127.0.0.1:${closed} \\(ECONNREFUSED\\)`));
    } finally {
      await world.close();
    }
  });
});

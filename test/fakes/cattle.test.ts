// Self-test of the Cattle fake over real HTTP.
// Run: cd /work/main && node --import tsx --test test/fakes/cattle.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeCattle, type CattleKey, type FakeCattle, type FakeCattleOptions } from './cattle.ts';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

function basic(key: CattleKey): string {
  return `Basic ${Buffer.from(`${key.accessKey}:${key.secretKey}`).toString('base64')}`;
}

/** A tiny client: `path` may be absolute (a link from a response) or relative to the fake's origin. */
function client(fake: FakeCattle, key?: CattleKey) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(path.startsWith('http') ? path : fake.url + path, {
      method,
      headers: { ...(key ? { authorization: basic(key) } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').startsWith('application/json') && text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: res.headers, text, json };
  };
}

async function withFake(options: FakeCattleOptions, fn: (fake: FakeCattle) => Promise<void>): Promise<void> {
  const fake = await startFakeCattle(options);
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Cattle fake', () => {
  let fake: FakeCattle;
  let p1: string;
  let p2: string;
  let env1: CattleKey;
  let user: CattleKey;

  before(async () => {
    fake = await startFakeCattle();
    p1 = fake.addProject('Default');
    p2 = fake.addProject('Other');
    env1 = fake.addEnvironmentKey(p1);
    user = fake.addAccountKey([p1]);
  });
  after(() => fake.close());

  test('discovery: root, version root, schemas and headers', async () => {
    const call = client(fake, env1);
    const root = await call('GET', '/');
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('x-api-schemas'), `${fake.url}/v1/schemas`);
    assert.deepEqual(root.json.data.map((v: { id: string }) => v.id), ['v1', 'v2-beta']);

    const v1 = await call('GET', '/v1');
    assert.equal(v1.status, 200);
    assert.equal(v1.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(v1.headers.get('x-rancher-version'), 'v1.6.14');
    assert.equal(v1.headers.get('x-api-schemas'), `${fake.url}/v1/schemas`);
    assert.equal(v1.headers.get('x-api-account-id'), p1);
    assert.equal(v1.headers.get('x-api-user-id'), p1);
    assert.equal(v1.headers.get('x-api-account-kind'), 'environment');
    assert.equal(v1.headers.get('x-api-account-name'), 'Default');
    assert.equal(v1.json.id, 'v1');
    assert.equal(v1.json.type, 'apiVersion');
    assert.deepEqual(v1.json.actions, {});
    assert.equal(v1.json.links.self, `${fake.url}/v1`);
    assert.equal(v1.json.links.registries, `${fake.url}/v1/registries`);
    assert.equal(v1.json.links.registryCredentials, `${fake.url}/v1/registrycredentials`);
    assert.equal(v1.json.links.schemas, `${fake.url}/v1/schemas`);
    assert.equal(v1.json.links.projects, `${fake.url}/v1/projects`);
    // Jackson escapes forward slashes.
    assert.ok(v1.text.includes('"self":"http:\\/\\/127.0.0.1:'), v1.text);

    const schemas = await call('GET', '/v2-beta/schemas');
    const byId = Object.fromEntries(schemas.json.data.map((s: { id: string }) => [s.id, s]));
    for (const id of ['registry', 'registryCredential', 'project']) assert.ok(byId[id], id);
    const cred = byId.registryCredential;
    assert.equal(cred.links.collection, `${fake.url}/v2-beta/registrycredentials`);
    assert.equal(cred.links.self, `${fake.url}/v2-beta/schemas/registrycredential`);
    assert.equal(cred.pluralName, 'registryCredentials');
    assert.deepEqual(cred.resourceMethods, ['GET', 'PUT', 'DELETE']);
    assert.deepEqual(cred.collectionMethods, ['GET', 'POST']);
    assert.equal(cred.resourceFields.registryId.type, 'reference[registry]');
    assert.equal(cred.resourceFields.secretValue.type, 'password');
    assert.equal(cred.resourceFields.email, undefined, 'v2-beta has no email');
    assert.ok(cred.collectionFilters.registryId);
    assert.equal(byId.registry.collectionFilters.serverAddress, undefined, 'serverAddress is not filterable');

    const v1schemas = await call('GET', '/v1/schemas/registryCredential');
    assert.equal(v1schemas.json.resourceFields.email.required, true);

    // Project sub-context keeps /projects/<id> in links and X-API-Schemas; the bare project resource does not.
    const scoped = await call('GET', `/v2-beta/projects/${p1}/registries`);
    assert.equal(scoped.headers.get('x-api-schemas'), `${fake.url}/v2-beta/projects/${p1}/schemas`);
    const project = await call('GET', `/v2-beta/projects/${p1}`);
    assert.equal(project.json.type, 'project');
    assert.equal(project.json.id, p1);
    assert.equal(project.headers.get('x-api-schemas'), `${fake.url}/v2-beta/schemas`);
    const scopedSchemas = await call('GET', `/v2-beta/projects/${p1}/schemas`);
    assert.equal(scopedSchemas.json.data.find((s: { id: string }) => s.id === 'registry').links.collection, `${fake.url}/v2-beta/projects/${p1}/registries`);

    // Type segments: any case, singular or plural.
    for (const t of ['registries', 'registry', 'registryCredentials', 'registrycredentials', 'registrycredential']) {
      assert.equal((await call('GET', `/v1/${t}`)).status, 200, t);
    }
    assert.equal((await call('GET', '/v1/nothing')).json.code, 'Not Found');
  });

  test('401 without or with a wrong key, with challenge and headers', async () => {
    const none = await client(fake)('GET', '/v1/registries');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Enter API access key and secret key as username and password"');
    assert.equal(none.headers.get('x-api-schemas'), `${fake.url}/v1/schemas`);
    assert.equal(none.headers.get('x-api-account-id'), null);
    const { id, ...rest } = none.json;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(rest, { type: 'error', baseType: 'error', links: {}, actions: {}, status: 401, code: 'Unauthorized', message: 'Unauthorized', detail: null });

    const wrong = await client(fake, { accessKey: env1.accessKey, secretKey: 'nope' })('GET', '/v1', undefined, { 'X-API-No-Challenge': 'true' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), null);
    const rec = fake.requests.at(-1)!;
    assert.deepEqual([rec.method, rec.path, rec.status, rec.authorized], ['GET', '/v1', 401, false]);
  });

  test('environment key is bound to its project', async () => {
    const call = client(fake, env1);
    fake.addRegistry(p1, 'env-scope.example.com');
    fake.addRegistry(p2, 'other-project.example.com');
    const root = await call('GET', '/v1/registries');
    const own = await call('GET', `/v1/projects/${p1}/registries`);
    const hosts = (a: Answer) => a.json.data.map((r: { serverAddress: string }) => r.serverAddress);
    assert.ok(hosts(root).includes('env-scope.example.com'));
    assert.ok(!hosts(root).includes('other-project.example.com'));
    assert.deepEqual(hosts(own), hosts(root));
    assert.ok(own.json.data[0].links.self.startsWith(`${fake.url}/v1/projects/${p1}/registries/1sp`));
    const other = await call('GET', `/v1/projects/${p2}/registries`);
    assert.equal(other.status, 403);
    assert.equal(other.json.code, 'Forbidden');
    assert.equal((await call('GET', '/v1/registries', undefined, { 'X-API-Project-Id': p2 })).status, 403);
    assert.equal((await call('GET', '/v1/registries?projectId=bogus')).status, 400);
  });

  test('account key: read-only at the root, CRUD inside member projects, 403 elsewhere', async () => {
    const call = client(fake, user);
    const schemas = await call('GET', '/v1/schemas');
    const reg = schemas.json.data.find((s: { id: string }) => s.id === 'registry');
    assert.deepEqual(reg.resourceMethods, ['GET']);
    assert.deepEqual(reg.collectionMethods, ['GET']);
    assert.equal(schemas.headers.get('x-api-account-kind'), 'user');

    const list = await call('GET', '/v1/registries');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.data, []);
    const post = await call('POST', '/v1/registries', { serverAddress: ECR });
    assert.equal(post.status, 405);
    assert.equal(post.json.code, 'Method not allowed');

    const inProject = await call('GET', `/v2-beta/projects/${p1}/registries`);
    assert.ok(inProject.json.data.length > 0);
    assert.equal(inProject.headers.get('x-api-account-id'), p1);
    assert.equal(inProject.headers.get('x-api-account-kind'), 'project');
    const created = await call('POST', `/v2-beta/projects/${p1}/registries`, { serverAddress: 'account-key.example.com' });
    assert.equal(created.status, 201);
    assert.equal(created.json.accountId, p1);
    const viaHeader = await call('GET', '/v1/schemas', undefined, { 'X-API-Project-Id': p1 });
    assert.deepEqual(viaHeader.json.data.find((s: { id: string }) => s.id === 'registry').collectionMethods, ['GET', 'POST']);

    assert.equal((await call('GET', `/v2-beta/projects/${p2}/registries`)).status, 403);
    const projects = await call('GET', '/v1/projects');
    assert.deepEqual(projects.json.data.map((p: { id: string }) => p.id), [p1]);
  });

  test('create answers transitioning, secretValue only in the POST response, stored secret visible to the test', async () => {
    const call = client(fake, env1);
    const reg = await call('POST', '/v1/registries', { serverAddress: ECR, name: 'ECR' });
    assert.equal(reg.status, 201);
    assert.match(reg.json.id, /^1sp\d+$/);
    assert.deepEqual([reg.json.type, reg.json.baseType, reg.json.kind], ['registry', 'storagePool', 'registry']);
    assert.deepEqual([reg.json.state, reg.json.transitioning, reg.json.transitioningMessage], ['registering', 'yes', 'In Progress']);
    assert.equal(reg.json.removed, null);
    assert.equal(reg.json.createdTS % 1000, 0);

    const cred = await call('POST', '/v1/registrycredentials', { registryId: reg.json.id, publicValue: 'AWS', secretValue: 'token-1', email: 'x@y.z' });
    assert.equal(cred.status, 201);
    assert.match(cred.json.id, /^1c\d+$/);
    assert.equal(cred.json.secretValue, 'token-1');
    assert.equal(cred.json.registryId, reg.json.id);
    assert.equal(cred.json.links.registry, `${cred.json.links.self}/registry`);

    const got = await call('GET', cred.json.links.self);
    assert.equal(got.json.state, 'active', 'active by the next request');
    assert.equal(got.json.transitioning, 'no');
    assert.ok('secretValue' in got.json);
    assert.equal(got.json.secretValue, null);
    assert.equal(got.json.email, 'x@y.z');
    const listed = await call('GET', `/v1/registrycredentials?registryId=${reg.json.id}`);
    assert.equal(listed.json.data[0].secretValue, null);
    const stored = fake.credentials(p1).find((c) => c.id === cred.json.id)!;
    assert.equal(stored.secretValue, 'token-1');
    assert.equal(stored.state, 'active');

    const v2 = await call('GET', `/v2-beta/registrycredentials/${cred.json.id}`);
    assert.equal('email' in v2.json, false, 'v2-beta does not render email');
  });

  test('activation delay keeps resources transitioning until it passes', async () => {
    await withFake({ activateAfterMs: 150 }, async (slow) => {
      const p = slow.addProject();
      const call = client(slow, slow.addEnvironmentKey(p));
      const reg = await call('POST', '/v2-beta/registries', { serverAddress: ECR });
      assert.equal((await call('GET', reg.json.links.self)).json.state, 'registering');
      await sleep(200);
      assert.equal((await call('GET', reg.json.links.self)).json.state, 'active');
    });
  });

  test('validation: required fields, references, ServerAddressUsed, malformed JSON', async () => {
    const call = client(fake, env1);
    const missing = await call('POST', '/v1/registries', { name: 'no address' });
    assert.equal(missing.status, 422);
    assert.deepEqual([missing.json.code, missing.json.fieldName, missing.json.message], ['MissingRequired', 'serverAddress', null]);

    const first = await call('POST', '/v1/registries', { serverAddress: 'dup.example.com' });
    assert.equal(first.status, 201);
    const dup = await call('POST', '/v2-beta/registries', { serverAddress: 'DUP.example.com' });
    assert.equal(dup.status, 400);
    assert.equal(dup.json.code, 'ServerAddressUsed');
    // Same address in another environment is fine.
    const otherEnv = client(fake, fake.addEnvironmentKey(p2));
    assert.equal((await otherEnv('POST', '/v1/registries', { serverAddress: 'dup.example.com' })).status, 201);

    const noReg = await call('POST', '/v2-beta/registrycredentials', { publicValue: 'AWS', secretValue: 's' });
    assert.deepEqual([noReg.status, noReg.json.code, noReg.json.fieldName], [422, 'MissingRequired', 'registryId']);
    const otherReg = fake.addRegistry(p2, 'p2-only.example.com');
    for (const registryId of ['1sp9999', otherReg.id, 'garbage']) {
      const bad = await call('POST', '/v2-beta/registrycredentials', { registryId, publicValue: 'AWS', secretValue: 's' });
      assert.deepEqual([bad.status, bad.json.code, bad.json.fieldName], [422, 'InvalidReference', 'registryId'], registryId);
    }

    const malformed = await call('POST', '/v1/registries', '{"serverAddress": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.code, 'InvalidBodyContent');
  });

  test('email rule: required on v1, not on v2-beta (by default), configurable', async () => {
    const call = client(fake, env1);
    const reg = fake.addRegistry(p1, 'email-rule.example.com');
    const body = { registryId: reg.id, publicValue: 'AWS', secretValue: 's' };
    const v1 = await call('POST', '/v1/registrycredentials', body);
    assert.deepEqual([v1.status, v1.json.code, v1.json.fieldName], [422, 'MissingRequired', 'email']);
    const v2 = await call('POST', '/v2-beta/registrycredentials', body);
    assert.equal(v2.status, 201);
    const emptied = await call('PUT', `/v1/registrycredentials/${v2.json.id}`, { email: '' });
    assert.deepEqual([emptied.status, emptied.json.code], [422, 'MinLengthExceeded']);

    await withFake({ requireEmailOnV1: false, requireEmailOnV2Beta: true }, async (old) => {
      const p = old.addProject();
      const c = client(old, old.addEnvironmentKey(p));
      const r = old.addRegistry(p, ECR);
      assert.equal((await c('POST', '/v1/registrycredentials', { registryId: r.id })).status, 201);
      const v2old = await c('POST', '/v2-beta/registrycredentials', { registryId: r.id });
      assert.deepEqual([v2old.status, v2old.json.fieldName], [422, 'email']);
    });
  });

  test('PUT changes only updatable fields and keeps the state', async () => {
    const call = client(fake, env1);
    const reg = fake.addRegistry(p1, 'put.example.com');
    const other = fake.addRegistry(p1, 'put-other.example.com');
    const cred = fake.addCredential(p1, reg.id, { publicValue: 'AWS', secretValue: 'old', email: 'a@b.c' });
    const self = `${fake.url}/v1/registrycredentials/${cred.id}`;
    const put = await call('PUT', self, {
      publicValue: 'AWS2', secretValue: 'new', email: 'd@e.f', registryId: other.id, state: 'inactive', id: '1c999', kind: 'x', bogus: 1,
    });
    assert.equal(put.status, 200);
    assert.deepEqual(
      [put.json.id, put.json.publicValue, put.json.secretValue, put.json.email, put.json.registryId, put.json.state, put.json.kind],
      [cred.id, 'AWS2', null, 'd@e.f', reg.id, 'active', 'registryCredential'],
    );
    assert.equal(fake.credentials(p1).find((c) => c.id === cred.id)!.secretValue, 'new');

    const regPut = await call('PUT', `${fake.url}/v1/registries/${reg.id}`, { serverAddress: 'changed.example.com', name: 'renamed' });
    assert.deepEqual([regPut.status, regPut.json.serverAddress, regPut.json.name], [200, 'put.example.com', 'renamed']);
    assert.equal((await call('PUT', '/v1/registrycredentials/1c99999', { publicValue: 'x' })).status, 404);
  });

  test('collections: pagination with next links, limits, filters', async () => {
    await withFake({}, async (big) => {
      const p = big.addProject();
      const call = client(big, big.addEnvironmentKey(p));
      for (let i = 0; i < 105; i++) big.addRegistry(p, `r${i}.example.com`);

      const first = await call('GET', '/v1/registries');
      assert.deepEqual(first.json.pagination, { first: null, previous: null, next: `${big.url}/v1/registries?marker=m100`, limit: 100, total: null, partial: true });
      assert.equal(first.json.data.length, 100);
      assert.equal((await call('GET', first.json.pagination.next)).json.data.length, 5);

      // Follow next links with other params kept; ids never repeat.
      const seen: string[] = [];
      let url: string | null = `/v2-beta/projects/${p}/registries?limit=40&name_null=true`;
      let pages = 0;
      while (url) {
        const page: Answer = await call('GET', url);
        seen.push(...page.json.data.map((r: { id: string }) => r.id));
        if (page.json.pagination.next) {
          assert.ok(page.json.pagination.next.includes('limit=40') && page.json.pagination.next.includes('name_null=true'));
          assert.equal(page.json.pagination.partial, true);
        }
        url = page.json.pagination.next;
        pages++;
      }
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 105);
      assert.ok(seen[0]!.startsWith('1sp'));

      assert.equal((await call('GET', '/v1/registries?limit=5000')).json.pagination.limit, 3000);
      assert.equal((await call('GET', '/v1/registries?limit=0')).json.pagination.limit, 3000);
      const all = await call('GET', '/v1/registries?limit=-1');
      assert.deepEqual([all.json.data.length, all.json.pagination.partial, all.json.pagination.next], [105, false, null]);

      // serverAddress is not a filter: ignored, whole first page returned.
      const unknown = await call('GET', '/v1/registries?serverAddress=r7.example.com&nonsense_eq=1');
      assert.equal(unknown.json.data.length, 100);
      assert.equal(unknown.json.filters.serverAddress, undefined);

      const r1 = big.addRegistry(p, 'creds-a.example.com');
      const r2 = big.addRegistry(p, 'creds-b.example.com');
      big.addCredential(p, r1.id, { publicValue: 'AWS', secretValue: 'a', email: 'e@x' });
      big.addCredential(p, r1.id, { publicValue: 'AWS', secretValue: 'b', email: 'e@x' });
      const c3 = big.addCredential(p, r2.id, { publicValue: 'other', secretValue: 'c', email: 'e@x' });
      const byReg = await call('GET', `/v1/registrycredentials?registryId=${r1.id}`);
      assert.deepEqual(byReg.json.data.map((c: { registryId: string }) => c.registryId), [r1.id, r1.id]);
      assert.deepEqual(byReg.json.filters.registryId, [{ modifier: 'eq', value: r1.id.slice(3) }]);
      assert.equal(byReg.json.filters.publicValue, null);
      const ne = await call('GET', `/v1/registrycredentials?registryId_ne=${r1.id}`);
      assert.deepEqual(ne.json.data.map((c: { id: string }) => c.id), [c3.id]);
      assert.equal((await call('GET', '/v1/registrycredentials?publicValue_prefix=oth')).json.data.length, 1);
      assert.equal((await call('GET', '/v1/registrycredentials?registryId=nonsense')).json.data.length, 0);
      const viaLink = await call('GET', `${big.url}/v1/registries/${r1.id}/credentials`);
      assert.equal(viaLink.json.data.length, 2);
    });
  });

  test('actions, DELETE and removal', async () => {
    const call = client(fake, env1);
    const reg = await call('POST', '/v1/registries', { serverAddress: 'remove-me.example.com' });
    const cred = await call('POST', '/v1/registrycredentials', { registryId: reg.json.id, publicValue: 'AWS', secretValue: 's', email: 'e@x' });
    const active = await call('GET', reg.json.links.self);
    assert.deepEqual(Object.keys(active.json.actions).sort(), ['deactivate', 'update']);
    assert.equal(active.json.actions.deactivate, `${reg.json.links.self}/?action=deactivate`);

    const refused = await call('DELETE', reg.json.links.self);
    assert.deepEqual([refused.status, refused.json.code], [405, 'Method not allowed']);
    const bogus = await call('POST', `${reg.json.links.self}/?action=remove`);
    assert.deepEqual([bogus.status, bogus.json.code], [422, 'ActionNotAvailable']);

    const deact = await call('POST', active.json.actions.deactivate);
    assert.deepEqual([deact.status, deact.json.state, deact.json.transitioning], [202, 'deactivating', 'yes']);
    const inactive = await call('GET', reg.json.links.self);
    assert.equal(inactive.json.state, 'inactive');
    assert.deepEqual(Object.keys(inactive.json.actions).sort(), ['activate', 'remove', 'update']);

    const del = await call('DELETE', reg.json.links.self);
    assert.deepEqual([del.status, del.json.state], [200, 'removing']);
    const removed = await call('GET', reg.json.links.self);
    assert.equal(removed.json.state, 'removed');
    assert.equal(typeof removed.json.removedTS, 'number');
    assert.deepEqual(Object.keys(removed.json.actions), ['purge']);
    const list = await call('GET', '/v1/registries');
    assert.ok(!list.json.data.some((r: { id: string }) => r.id === reg.json.id), 'removed rows are hidden');
    const withRemoved = await call('GET', '/v1/registries?_removed=true');
    assert.ok(withRemoved.json.data.some((r: { id: string }) => r.id === reg.json.id));
    assert.equal((await call('GET', cred.json.links.self)).json.state, 'removed', 'credentials go with their registry');
    // The address is free again.
    assert.equal((await call('POST', '/v1/registries', { serverAddress: 'remove-me.example.com' })).status, 201);
  });

  test('recording and fault injection', async () => {
    await withFake({}, async (f) => {
      const p = f.addProject();
      const call = client(f, f.addEnvironmentKey(p));
      f.intercept = (req, res) => {
        if (req.method !== 'POST') return false;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
        return true;
      };
      const busy = await call('POST', '/v1/registries', { serverAddress: ECR });
      assert.equal(busy.status, 503);
      assert.equal((await call('GET', '/v1/registries?limit=5')).status, 200);
      f.intercept = (req) => {
        req.socket.destroy();
        return true;
      };
      await assert.rejects(call('GET', '/v1'));
      f.intercept = () => {
        throw new Error('boom');
      };
      const boom = await call('GET', '/v1');
      assert.deepEqual([boom.status, boom.json.code, boom.json.type], [500, 'Internal Server Error', 'error']);
      assert.equal(boom.headers.get('x-api-schemas'), `${f.url}/v1/schemas`);
      assert.equal(boom.headers.get('x-fake-exception'), 'boom');
      f.intercept = undefined;

      assert.deepEqual(
        f.requests.map((r) => [r.method, r.path, r.query, r.status, r.authorized]),
        [
          ['POST', '/v1/registries', '', 503, false],
          ['GET', '/v1/registries', 'limit=5', 200, true],
          ['GET', '/v1', '', 0, false],
          ['GET', '/v1', '', 500, false],
        ],
      );
      assert.deepEqual(f.requests[0]!.body, { serverAddress: ECR });
      assert.deepEqual(f.writes().map((r) => r.method), ['POST']);
    });
  });

  test('access control off: anything unauthenticated is the admin', async () => {
    await withFake({ accessControl: false, version: 'v1.6.30' }, async (open) => {
      const p = open.addProject();
      open.addRegistry(p, ECR);
      const res = await client(open)('GET', '/v2-beta/registries');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-api-account-kind'), 'admin');
      assert.equal(res.headers.get('x-rancher-version'), 'v1.6.30');
      assert.equal(res.json.data.length, 1);
      assert.equal((await client(open)('GET', `/v2-beta/projects/${p}/registries`)).headers.get('x-api-account-id'), p);
    });
  });

  test('serves HTTPS with the given certificate', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cattle-tls-'));
    try {
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
          '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      } catch {
        t.skip('openssl not available');
        return;
      }
      const cert = readFileSync(join(dir, 'cert.pem'));
      await withFake({ tls: { key: readFileSync(join(dir, 'key.pem')), cert } }, async (secure) => {
        assert.ok(secure.url.startsWith('https://127.0.0.1:'));
        const key = secure.addEnvironmentKey(secure.addProject());
        const { status, schemas } = await new Promise<{ status: number; schemas: string | undefined }>((resolve, reject) => {
          const req = httpsRequest(`${secure.url}/v1`, { ca: cert, headers: { authorization: basic(key) } }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, schemas: res.headers['x-api-schemas'] as string | undefined }));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 200);
        assert.equal(schemas, `${secure.url}/v1/schemas`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

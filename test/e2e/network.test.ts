// Fault injection on the network path: TLS with a private CA, proxies, stalls, resets, refusals,
// answers that are not Rancher's API, HTTP statuses and ECR faults. Every run is the built CLI
// (dist/) against loopback fakes; nothing leaves 127.0.0.1.
// Run: cd /work/main && npm run build && node --import tsx --test test/e2e/network.test.ts
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CliResult } from '../helpers/cli.ts';
import { ACCOUNT, HOST, STALE_PASSWORD, World, withWorld } from '../helpers/world.ts';
import { type FakeProxy, startFakeProxy } from '../fakes/proxy.ts';
import { testPki } from '../fakes/tls.ts';

const SECOND_ACCOUNT = '210987654321';
const SECOND_HOST = `${SECOND_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
/** Generous slack over a --timeout for start-up, output and a loaded CI machine. */
// The suites that mostly wait (deadlines, back-off) run their tests concurrently: each has its own fakes.
const SLACK_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** Everything the CLI printed, for assertion messages. */
function out(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

/** No stack trace, no Node warning (DEP0123 or any other `(node:` line) on any run. */
function assertCleanStderr(result: CliResult): void {
  assert.ok(!result.stderr.includes('    at '), `a stack trace on stderr:\n${out(result)}`);
  assert.ok(!result.stderr.includes('(node:'), `a Node warning on stderr:\n${out(result)}`);
  assert.ok(!result.stderr.includes('DEP0123'), `DEP0123 on stderr:\n${out(result)}`);
}

/** The single `✗ …` line of a failed endpoint (text output). */
function failureLine(result: CliResult): string {
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('✗'));
  assert.equal(lines.length, 1, `expected exactly one failure line:\n${out(result)}`);
  return lines[0]!;
}

/** Runs the CLI and reports how long it took (for the deadline upper bounds only). */
async function timed(run: Promise<CliResult>): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await run;
  return { ...result, ms: Date.now() - started };
}

function assertUpdated(world: World, result: CliResult): void {
  assert.equal(result.code, 0, out(result));
  assertCleanStderr(result);
  assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()], 'the credential holds the new password');
}

function assertNothingWritten(world: World): void {
  assert.deepEqual(world.cattle.writes().map((w) => `${w.method} ${w.path}`), [], 'no write reached Rancher');
  assert.deepEqual(world.secretsOf(world.registryIds[0]!), [STALE_PASSWORD]);
}

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts TCP connections and never says a word. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function hostPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}`;
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

describe('HTTPS Rancher with a certificate of a private CA', () => {
  const pki = testPki();
  let world: World;
  before(async () => {
    world = await World.start({ cattle: { tls: pki.serverTls } });
    assert.match(world.cattle.url, /^https:\/\/127\.0\.0\.1:/);
  });
  after(() => world.close());

  test('by default the certificate is refused: exit 5, the message suggests --ca-cert, nothing written', async () => {
    const result = await world.run(['sync']);
    assert.equal(result.code, 5, out(result));
    assertCleanStderr(result);
    const line = failureLine(result);
    assert.match(line, /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
    assert.match(line, /--ca-cert/);
    assertNothingWritten(world);
  });

  test('trusting an unrelated CA does not help: exit 5', async () => {
    const result = await world.run(['sync', '--ca-cert', pki.otherCaCertPath]);
    assert.equal(result.code, 5, out(result));
    assertCleanStderr(result);
    assert.match(failureLine(result), /TLS verification .*--ca-cert/);
    assertNothingWritten(world);
  });

  test('--ca-cert FILE trusts it: exit 0, credential updated', async () => {
    const result = await world.run(['sync', '--ca-cert', pki.caCertPath]);
    assertUpdated(world, result);
    assert.ok(!/warning/i.test(result.stderr), out(result));
  });

  test('RANCHER_CA_CERT works the same', async () => {
    const result = await world.run(['sync'], world.env({ RANCHER_CA_CERT: pki.caCertPath }));
    assertUpdated(world, result);
  });

  test('--insecure works and warns on stderr', async () => {
    const result = await world.run(['sync', '--insecure']);
    assertUpdated(world, result);
    assert.match(result.stderr, /warning: --insecure: TLS certificates of Rancher are not verified/);
  });

  test('RANCHER_INSECURE=true works and warns on stderr', async () => {
    const result = await world.run(['sync'], world.env({ RANCHER_INSECURE: 'true' }));
    assertUpdated(world, result);
    assert.match(result.stderr, /warning: --insecure/);
  });

  test('a certificate of the trusted CA for another host name: exit 5', async () => {
    const other = await World.start({ cattle: { tls: pki.wrongHostTls } });
    try {
      const result = await other.run(['sync', '--ca-cert', pki.caCertPath]);
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      assert.match(failureLine(result), /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
      assertNothingWritten(other);
    } finally {
      await other.close();
    }
  });

  test('a --ca-cert file that does not exist: exit 2, one line naming it', async () => {
    const missing = `${pki.dir}/no-such-ca.pem`;
    const before = world.cattle.requests.length;
    const result = await world.run(['sync', '--ca-cert', missing]);
    assert.equal(result.code, 2, out(result));
    assertCleanStderr(result);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, out(result));
    assert.match(lines[0]!, /^error: --ca-cert: cannot use '.*no-such-ca\.pem'/);
    assert.equal(world.cattle.requests.length, before, 'no request to Rancher');
  });
});

// ---------------------------------------------------------------------------------------------
// Proxies
// ---------------------------------------------------------------------------------------------

describe('HTTPS ECR endpoint with a certificate of a private CA (a TLS-inspecting proxy, a private endpoint)', () => {
  const pki = testPki();

  test('refused by default: exit 3, the message suggests --ca-cert, nothing written; trusted with --ca-cert', async () => {
    await withWorld({ aws: { tls: pki.serverTls } }, async (world) => {
      const refused = await world.run(['sync']);
      assert.equal(refused.code, 3, out(refused));
      assertCleanStderr(refused);
      assert.match(refused.stdout, /TLS verification of the ECR endpoint for the caller account failed .*--ca-cert/);
      assertNothingWritten(world);
      const trusted = await world.run(['sync', '--ca-cert', pki.caCertPath]);
      assertUpdated(world, trusted);
    });
  });
});

describe('HTTPS_PROXY, HTTP_PROXY and NO_PROXY', () => {
  const pki = testPki();
  let proxy: FakeProxy;
  before(async () => {
    proxy = await startFakeProxy();
  });
  after(() => proxy.close());

  for (const name of ['HTTPS_PROXY', 'https_proxy']) {
    test(`${name}: AWS and Rancher over HTTPS go through CONNECT tunnels`, async () => {
      await withWorld({ aws: { tls: pki.serverTls }, cattle: { tls: pki.serverTls } }, async (world) => {
        const seen = proxy.events.length;
        const result = await world.run(['sync', '--ca-cert', pki.caCertPath], world.env({ [name]: proxy.url }));
        assertUpdated(world, result);
        const events = proxy.events.slice(seen);
        const targets = new Set(events.map((e) => e.target));
        assert.ok(targets.has(hostPort(world.aws.url)), `the fake ECR was reached through the proxy: ${[...targets]}`);
        assert.ok(targets.has(hostPort(world.cattle.url)), `the fake Rancher was reached through the proxy: ${[...targets]}`);
        assert.deepEqual([...targets].sort(), [hostPort(world.aws.url), hostPort(world.cattle.url)].sort());
        assert.ok(events.every((e) => e.kind === 'connect' && !e.refused), JSON.stringify(events));
      });
    });
  }

  test('HTTPS_PROXY with --insecure: the tunnelled Rancher TLS skips verification too', async () => {
    // AWS over plain HTTP (no proxy for http://), Rancher over HTTPS through the tunnel.
    await withWorld({ cattle: { tls: pki.serverTls } }, async (world) => {
      const seen = proxy.events.length;
      const result = await world.run(['sync', '--insecure'], world.env({ HTTPS_PROXY: proxy.url }));
      assertUpdated(world, result);
      assert.deepEqual([...new Set(proxy.events.slice(seen).map((e) => `${e.kind} ${e.target}`))], [`connect ${hostPort(world.cattle.url)}`]);
    });
  });

  test('HTTPS_PROXY without --ca-cert: the tunnelled TLS is still verified (exit 5, --ca-cert hint)', async () => {
    await withWorld({ cattle: { tls: pki.serverTls } }, async (world) => {
      const result = await world.run(['sync'], world.env({ HTTPS_PROXY: proxy.url }));
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      assert.match(failureLine(result), /TLS verification .*--ca-cert/);
      assertNothingWritten(world);
    });
  });

  test('HTTPS_PROXY: the tunnelled TLS still checks the host name (a trusted certificate for another name: exit 5)', async () => {
    await withWorld({ cattle: { tls: pki.wrongHostTls } }, async (world) => {
      const seen = proxy.events.length;
      const result = await world.run(['sync', '--ca-cert', pki.caCertPath], world.env({ HTTPS_PROXY: proxy.url }));
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      assert.match(failureLine(result), /TLS verification .* failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
      assert.ok(proxy.events.slice(seen).some((e) => e.kind === 'connect' && e.target === hostPort(world.cattle.url)), 'it went through the tunnel');
      assertNothingWritten(world);
    });
  });

  for (const name of ['HTTP_PROXY', 'http_proxy']) {
    test(`${name}: AWS and Rancher over plain HTTP go through the proxy as absolute-form requests`, async () => {
      await withWorld({}, async (world) => {
        const seen = proxy.events.length;
        const result = await world.run(['sync'], world.env({ [name]: proxy.url }));
        assertUpdated(world, result);
        const events = proxy.events.slice(seen);
        const targets = [...new Set(events.map((e) => e.target))].sort();
        assert.deepEqual(targets, [hostPort(world.aws.url), hostPort(world.cattle.url)].sort());
        assert.ok(events.every((e) => e.kind === 'http' && !e.refused), JSON.stringify(events));
        assert.ok(events.some((e) => e.method === 'PUT' && e.url.startsWith(`${world.cattle.url}/v1/registrycredentials/`)), 'the write went through the proxy');
        assert.ok(events.some((e) => e.method === 'POST' && e.target === hostPort(world.aws.url)), 'the ECR call went through the proxy');
      });
    });
  }

  for (const name of ['NO_PROXY', 'no_proxy']) {
    test(`${name}=127.0.0.1: the proxy sees nothing`, async () => {
      for (const secure of [false, true]) {
        await withWorld(secure ? { aws: { tls: pki.serverTls }, cattle: { tls: pki.serverTls } } : {}, async (world) => {
          const seen = proxy.events.length;
          const env = world.env({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, [name]: '127.0.0.1' });
          const result = await world.run(secure ? ['sync', '--ca-cert', pki.caCertPath] : ['sync'], env);
          assertUpdated(world, result);
          assert.deepEqual(proxy.events.slice(seen), [], `${secure ? 'https' : 'http'}: nothing went through the proxy`);
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Stalls and connection faults
// ---------------------------------------------------------------------------------------------

describe('Rancher that stalls, resets or refuses', { concurrency: true }, () => {
  test('headers sent, body never finished: exit 5 within the deadline, message names it', async () => {
    await withWorld({}, async (world) => {
      world.cattle.intercept = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4000' });
        res.write('{"type":"apiVersion","links":{');
        return true; // and never end
      };
      const result = await timed(world.run(['sync', '--timeout', '2']));
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      assert.ok(result.ms < 2_000 + SLACK_MS, `finished in ${result.ms} ms`);
      assert.match(failureLine(result), /did not finish within the 2 s deadline/);
      assertNothingWritten(world);
    });
  });

  test('a server that accepts the connection and never answers: exit 5 within the deadline', async () => {
    const world = await World.start();
    const silent = await silentServer();
    try {
      const result = await timed(world.run(['sync', '--timeout', '2'], world.env({ CATTLE_URL: `${silent.url}/v1` })));
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      assert.ok(result.ms < 2_000 + SLACK_MS, `finished in ${result.ms} ms`);
      assert.match(failureLine(result), new RegExp(`GET ${silent.url}/v1 did not finish within the 2 s deadline`));
    } finally {
      await silent.close();
      await world.close();
    }
  });

  test('connection reset on the first two requests, then fine: retried, exit 0', async () => {
    await withWorld({}, async (world) => {
      let resets = 2;
      world.cattle.intercept = (req, _res) => {
        if (resets-- <= 0) return false;
        req.socket.resetAndDestroy();
        return true;
      };
      const result = await world.run(['sync']);
      assertUpdated(world, result);
      assert.equal(world.cattle.requests.filter((r) => r.status === 0).length, 2, 'two requests were reset');
    });
  });

  test('connection refused: exit 5, the message names the origin and that it cannot be reached', async () => {
    await withWorld({}, async (world) => {
      const port = await closedPort();
      const result = await world.run(['sync', '--retries', '1'], world.env({ CATTLE_URL: `http://127.0.0.1:${port}/v2-beta/projects/1a5` }));
      assert.equal(result.code, 5, out(result));
      assertCleanStderr(result);
      const line = failureLine(result);
      assert.match(line, new RegExp(`Cannot reach Rancher at http://127\\.0\\.0\\.1:${port}\\b`));
      assert.match(line, /ECONNREFUSED/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Answers that are not Rancher's API
// ---------------------------------------------------------------------------------------------

describe("answers that are not Rancher's API: exit 5, the URL and what came back, no stack trace", () => {
  let world: World;
  before(async () => {
    world = await World.start();
  });
  after(() => world.close());

  const cases: Array<{ name: string; status: number; headers: (w: World) => Record<string, string>; body: string; expect: (w: World) => RegExp }> = [
    {
      name: 'an HTML login page',
      status: 200,
      headers: () => ({ 'content-type': 'text/html; charset=utf-8' }),
      body: '<!DOCTYPE html><html><head><title>Corporate SSO - Sign in</title></head><body><form></form></body></html>',
      expect: (w) => new RegExp(`GET ${w.cattle.url}/v1 answered 200 with an HTML page \\("Corporate SSO - Sign in"\\)`),
    },
    {
      name: 'truncated JSON',
      status: 200,
      headers: () => ({ 'content-type': 'application/json' }),
      body: '{"type":"apiVersion","links":{"registries":"http:\\/\\/127.0.0.1\\/v1\\/regis',
      expect: (w) => new RegExp(`GET ${w.cattle.url}/v1 answered 200 with truncated or invalid JSON`),
    },
    {
      name: 'a 302 redirect to a login page',
      status: 302,
      headers: (w) => ({ location: `${w.cattle.url}/login?redirectTo=%2Fv1`, 'content-type': 'text/html' }),
      body: '',
      expect: (w) => new RegExp(`${w.cattle.url}/v1 redirected to ${w.cattle.url}/login\\?redirectTo=%2Fv1`),
    },
    {
      name: 'Rancher 2.x (a JSON apiRoot at /v1)',
      status: 200,
      headers: () => ({ 'content-type': 'application/json' }),
      body: JSON.stringify({ type: 'apiRoot', links: { self: 'https://rancher/v3' } }),
      expect: (w) => new RegExp(`${w.cattle.url}/v1 answered as the Rancher 2\\.x v3 API`),
    },
    {
      name: 'an empty 200 body',
      status: 200,
      headers: () => ({ 'content-type': 'application/json' }),
      body: '',
      expect: (w) => new RegExp(`GET ${w.cattle.url}/v1 answered 200 with an empty body`),
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      world.cattle.intercept = (_req, res) => {
        res.writeHead(c.status, { ...c.headers(world), 'content-length': String(Buffer.byteLength(c.body)) }).end(c.body);
        return true;
      };
      try {
        const before = world.cattle.requests.length;
        const result = await world.run(['sync']);
        assert.equal(result.code, 5, out(result));
        assertCleanStderr(result);
        assert.match(failureLine(result), c.expect(world));
        assert.equal(world.cattle.requests.length - before, 1, 'a 2xx/3xx answer is not retried');
        assertNothingWritten(world);
      } finally {
        world.cattle.intercept = undefined;
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// HTTP statuses
// ---------------------------------------------------------------------------------------------

describe('HTTP statuses from Rancher', () => {
  test('429 with Retry-After: 1, then success: exit 0, and the retry waited for it', async () => {
    await withWorld({}, async (world) => {
      const times: number[] = [];
      world.cattle.intercept = (_req, res) => {
        times.push(Date.now());
        if (times.length > 1) return false;
        const body = JSON.stringify({ type: 'error', status: 429, code: 'TooManyRequests', message: 'slow down' });
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', 'content-length': String(body.length) }).end(body);
        return true;
      };
      const result = await world.run(['sync']);
      assertUpdated(world, result);
      assert.equal(world.cattle.requests.filter((r) => r.status === 429).length, 1);
      const waited = times[1]! - times[0]!;
      assert.ok(waited >= 900, `the retry came ${waited} ms after the 429, before its Retry-After of 1 s`);
    });
  });

  const statuses: Array<{ status: number; method: 'GET' | 'PUT'; code: number; expect: RegExp }> = [
    { status: 401, method: 'GET', code: 4, expect: /Rancher rejected the API keys \(401 Unauthorized/ },
    { status: 403, method: 'GET', code: 4, expect: /Rancher refused access \(403 Forbidden/ },
    { status: 404, method: 'GET', code: 5, expect: /Rancher refused GET .*\/v1: 404/ },
    { status: 404, method: 'PUT', code: 5, expect: /could not update credential .*Rancher refused PUT .*: 404/ },
    { status: 422, method: 'PUT', code: 5, expect: /could not update credential .*Rancher refused PUT .*: 422 InvalidFormat/ },
    { status: 401, method: 'PUT', code: 4, expect: /could not update credential .*Rancher rejected the API keys \(401 Unauthorized/ },
  ];
  for (const s of statuses) {
    test(`${s.status} to a ${s.method} is never retried: exactly one request with it, exit ${s.code}`, async () => {
      await withWorld({}, async (world) => {
        world.cattle.intercept = (req, res) => {
          if (req.method !== s.method) return false;
          const code = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 422: 'InvalidFormat' }[s.status];
          const body = JSON.stringify({ type: 'error', status: s.status, code, message: code, ...(s.status === 422 ? { fieldName: 'secretValue' } : {}) });
          res.writeHead(s.status, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
          return true;
        };
        const result = await world.run(['sync']);
        assert.equal(result.code, s.code, out(result));
        assertCleanStderr(result);
        assert.match(result.stdout, s.expect);
        assert.equal(world.cattle.requests.filter((r) => r.status === s.status).length, 1, `exactly one ${s.status}`);
        assert.equal(world.cattle.requests.filter((r) => r.method === s.method).length, 1, `one ${s.method} in all`);
        assert.deepEqual(world.secretsOf(world.registryIds[0]!), [STALE_PASSWORD]);
      });
    });
  }

  test(
    'a 401 to the PUT: the text report names the 401 and the refused update, not "not attempted"',
    async () => {
      await withWorld({}, async (world) => {
        world.cattle.intercept = (req, res) => {
          if (req.method !== 'PUT') return false;
          const body = JSON.stringify({ type: 'error', status: 401, code: 'Unauthorized', message: 'Unauthorized' });
          res.writeHead(401, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
          return true;
        };
        const result = await world.run(['sync']);
        assert.equal(result.code, 4, out(result));
        const line = failureLine(result);
        assert.match(line, /401/);
        assert.doesNotMatch(line, /not attempted/);
        const json = JSON.parse((await world.run(['sync', '-o', 'json'])).stdout) as { endpoints: Array<{ actions: Array<{ status: string }> }> };
        assert.equal(json.endpoints[0]!.actions[0]!.status, 'failed');
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// ECR faults
// ---------------------------------------------------------------------------------------------

describe('ECR faults', { concurrency: true }, () => {
  test('ThrottlingException twice, then success: exit 0', async () => {
    await withWorld({}, async (world) => {
      world.aws.enqueueEcrFaults({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded' }, { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
      const result = await world.run(['sync']);
      assertUpdated(world, result);
      const ecr = world.aws.requests.filter((r) => r.service === 'ecr');
      assert.deepEqual(ecr.map((r) => r.errorType ?? r.status), ['ThrottlingException', 'ThrottlingException', 200]);
    });
  });

  test('a stalled ECR: exit 3 within the deadline, nothing written', async () => {
    await withWorld({}, async (world) => {
      world.aws.enqueueEcrFaults({ delayMs: 20_000 });
      const result = await timed(world.run(['sync', '--timeout', '2']));
      assert.equal(result.code, 3, out(result));
      assertCleanStderr(result);
      assert.ok(result.ms < 2_000 + SLACK_MS, `finished in ${result.ms} ms`);
      assert.match(failureLine(result), /The ECR call for the caller account did not finish within the 2 s deadline/);
      assertNothingWritten(world);
    });
  });

  test('ECR connection reset, then success: retried, exit 0', async () => {
    await withWorld({}, async (world) => {
      world.aws.enqueueEcrFaults({ reset: true });
      const result = await world.run(['sync']);
      assertUpdated(world, result);
      assert.deepEqual(world.aws.requests.filter((r) => r.service === 'ecr').map((r) => r.fault ?? r.status), ['reset', 200]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The deadline with several endpoints
// ---------------------------------------------------------------------------------------------

describe('the deadline passes while Rancher stalls, with two registry ids', { concurrency: true }, () => {
  for (const where of ['GET', 'PUT'] as const) {
    test(`stalled ${where}: the JSON summary still lists both endpoints, each with a status and an error`, async () => {
      await withWorld({ registries: [HOST, SECOND_HOST] }, async (world) => {
        world.cattle.intercept = (req) => req.method === where; // taken, never answered
        const result = await timed(world.run(['sync', '--registry-ids', `${ACCOUNT},${SECOND_ACCOUNT}`, '--timeout', '2', '-o', 'json']));
        assert.equal(result.code, 5, out(result));
        assertCleanStderr(result);
        assert.ok(result.ms < 2_000 + SLACK_MS, `finished in ${result.ms} ms`);
        const report = JSON.parse(result.stdout) as { exitCode: number; endpoints: Array<{ host: string; status: string; error: { exitCode: number; message: string } | null }> };
        assert.equal(report.exitCode, 5);
        assert.deepEqual(report.endpoints.map((e) => e.host), [HOST, SECOND_HOST]);
        for (const endpoint of report.endpoints) {
          assert.equal(endpoint.status, 'failed', JSON.stringify(endpoint));
          assert.equal(endpoint.error?.exitCode, 5, JSON.stringify(endpoint));
          assert.match(endpoint.error?.message ?? '', /deadline/, JSON.stringify(endpoint));
        }
        assert.deepEqual(world.secretsOf(world.registryIds[0]!), [STALE_PASSWORD]);
        assert.deepEqual(world.secretsOf(world.registryIds[1]!), [STALE_PASSWORD]);
      });
    });
  }
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { BIN } from '../helpers/cli.ts';
import { HOST, STALE_PASSWORD, withWorld } from '../helpers/world.ts';

test('two overlapping runs (cron that did not finish in time) both succeed and leave a valid credential', async () => {
  await withWorld({}, async (world) => {
    const [a, b] = await Promise.all([world.run(['sync']), world.run(['sync'])]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const issued = world.aws.issued.map((t) => t.password);
    const [secret] = world.secretsOf(world.registryIds[0]!);
    assert.ok(issued.includes(secret!), 'Rancher holds one of the fresh passwords');
  });
});

test('two overlapping --create runs on an empty environment leave exactly one registry, with a fresh credential', async () => {
  await withWorld({ registries: [], cattle: { activateAfterMs: 50 } }, async (world) => {
    // Hold every registry list until both runs have asked, so both see "no registry" and both try to create it.
    const waiting: Array<() => void> = [];
    world.cattle.intercept = async (req) => {
      if (req.method === 'GET' && /\/registries\?/.test(req.url ?? '') && waiting.length < 2) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) for (const release of waiting) release();
        });
      }
      return false;
    };
    const [a, b] = await Promise.all([world.run(['sync', '--create']), world.run(['sync', '--create'])]);
    world.cattle.intercept = undefined;
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const registries = world.cattle.registries(world.projectId).filter((r) => r.serverAddress === HOST);
    assert.equal(registries.length, 1, 'exactly one registry');
    assert.equal(world.cattle.requests.filter((r) => r.method === 'POST' && /\/registries$/.test(r.path)).length, 2, 'both tried to create it');
    const issued = world.aws.issued.map((t) => t.password);
    const secrets = world.secretsOf(String(registries[0]!.id));
    assert.ok(secrets.length >= 1 && secrets.every((s) => issued.includes(s!)), 'every credential of it holds a fresh password');
  });
});

test('a run killed at any moment leaves the credential old or new, never missing', async () => {
  await withWorld({}, async (world) => {
    // Slow Rancher down so the kills land before, during and after the write.
    world.cattle.intercept = async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return false;
    };
    for (const killAfterMs of [60, 120, 180, 240, 320, 420, 600]) {
      const child = spawn(process.execPath, [BIN, 'sync'], { env: world.env() as NodeJS.ProcessEnv, stdio: 'ignore' });
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await new Promise((resolve) => child.on('close', resolve));
      const valid = new Set([STALE_PASSWORD, ...world.aws.issued.map((t) => t.password)]);
      const secrets = world.secretsOf(world.registryIds[0]!);
      assert.equal(secrets.length, 1, `after a kill at ${killAfterMs} ms the credential is still there`);
      assert.ok(valid.has(secrets[0]!), `after a kill at ${killAfterMs} ms it holds a whole password`);
    }
    assert.ok(world.cattle.writes().length === 0 || world.cattle.writes().every((w) => w.method === 'PUT'), 'never a DELETE or a re-create');
  });
});

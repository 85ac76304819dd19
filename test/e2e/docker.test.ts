import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/cli.ts';
import { withWorld } from '../helpers/world.ts';

/** There is no Docker engine here: check the Dockerfile's promises, then run the runtime stage's files as the image would. */
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1).map((stage) => `FROM ${stage}`);
const runtime = stages.at(-1) ?? '';

function jsonInstruction(name: string): string[] {
  const line = runtime.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `runtime stage has no ${name}`);
  return JSON.parse(line.slice(name.length + 1)) as string[];
}

test('multi-stage, on a maintained Node.js LTS, non-root, the CLI as entrypoint and sync as default command', () => {
  assert.ok(stages.length >= 2, 'multi-stage');
  assert.match(runtime, /^FROM node:(22|24)[-.\w]*-alpine\b/);
  const user = /^USER (\S+)$/m.exec(runtime)?.[1];
  assert.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user');
  assert.deepEqual(jsonInstruction('CMD'), ['sync']);
  assert.deepEqual(jsonInstruction('ENTRYPOINT'), ['node', '/app/dist/cli.cjs']);
  // Only the bundle crosses into the runtime stage: no node_modules, no sources.
  const copies = runtime.split('\n').filter((l) => l.startsWith('COPY'));
  assert.deepEqual(copies, ['COPY --from=build /src/dist /app/dist']);
  assert.match(runtime, /rm -rf [^\n]*\/usr\/local\/lib\/node_modules[^\n]*\/usr\/local\/bin\/npm/);
});

test('the runtime stage laid out alone (dist/ only, no node_modules) runs sync against the fakes', async () => {
  const image = mkdtempSync(join(tmpdir(), 'rec-image-'));
  cpSync(join(ROOT, 'dist'), join(image, 'app', 'dist'), { recursive: true });
  assert.ok(!existsSync(join(image, 'app', 'node_modules')));
  const [node, script] = jsonInstruction('ENTRYPOINT');
  assert.equal(node, 'node');
  await withWorld({}, async (world) => {
    const child = spawn(process.execPath, [join(image, script!.replace(/^\//, '')), ...jsonInstruction('CMD')], {
      cwd: image,
      env: world.env({ LOG_LEVEL: 'info', NODE_ENV: 'production', NODE_PATH: '' }) as NodeJS.ProcessEnv,
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, output);
    assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli.ts';

import { BIN, ROOT, hermeticAwsEnv, runCli } from '../helpers/cli.ts';
import { World } from '../helpers/world.ts';

const PACKAGE_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

async function liveOutput(argv: string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += c));
  await main(argv, { stdout, stderr: new PassThrough(), env: {} }, async () => async () => 0);
  return text;
}

test('--help and --version answered from build-time text say exactly what commander says', async () => {
  for (const argv of [['--help'], ['-h'], ['help'], ['--version'], ['-V'], ['sync', '--help'], ['dry-run', '-h'], ['help', 'show-token']]) {
    const built = await runCli(argv, hermeticAwsEnv());
    assert.equal(built.code, 0, argv.join(' '));
    // In-process the version is the dev placeholder; the build puts package.json's in.
    const expected = argv[0] === '--version' || argv[0] === '-V' ? `${PACKAGE_VERSION}\n` : await liveOutput(argv);
    assert.equal(built.stdout, expected, argv.join(' '));
  }
});

describe('the V8 code cache', () => {
  let world: World;
  before(async () => {
    world = await World.start();
  });
  after(() => world.close());

  const cacheDir = (home: string) => join(home, '.cache', 'rancher-ecr-credentials');

  test('is written on the first run of a command, in a folder only the user can use, and reused after', async () => {
    const env = world.env({ LOG_LEVEL: undefined });
    const first = await world.run(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    const dir = cacheDir(env.HOME!);
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /-sync\.v8cache$/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
    const written = statSync(join(dir, files[0]!)).mtimeMs;
    const second = await world.run(['sync'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(statSync(join(dir, files[0]!)).mtimeMs, written, 'an accepted cache is not written again');
    assert.deepEqual(world.secretsOf(world.registryIds[0]!), [world.lastPassword()]);
  });

  test('caches of other versions or Node builds are removed when a new one is written', async () => {
    const env = world.env({ LOG_LEVEL: undefined });
    mkdirSync(cacheDir(env.HOME!), { recursive: true, mode: 0o700 });
    writeFileSync(join(cacheDir(env.HOME!), '0.0.1-0123456789abcdef-v18.0.0-x64-sync.v8cache'), 'old', { mode: 0o600 });
    writeFileSync(join(cacheDir(env.HOME!), 'notes.txt'), 'not ours to remove', { mode: 0o600 });
    assert.equal((await world.run(['show-token'], env)).code, 0);
    const names = readdirSync(cacheDir(env.HOME!)).sort();
    assert.equal(names.length, 2, names.join(', '));
    assert.ok(names.includes('notes.txt'));
    assert.match(names.find((n) => n !== 'notes.txt')!, /^\d+\.\d+\.\d+-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+-show-token\.v8cache$/);
  });

  test('a corrupt cache is rejected by V8 and replaced; the run is unaffected', async () => {
    const env = world.env({ LOG_LEVEL: undefined });
    await world.run(['show-token'], env);
    const [file] = readdirSync(cacheDir(env.HOME!));
    writeFileSync(join(cacheDir(env.HOME!), file!), Buffer.alloc(4096, 7), { mode: 0o600 });
    const result = await world.run(['show-token'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.ok(statSync(join(cacheDir(env.HOME!), file!)).size !== 4096, 'rewritten');
  });

  test('a failed run writes no cache, so a thin one never sticks', async () => {
    const env = world.env({ LOG_LEVEL: undefined, CATTLE_SECRET_KEY: 'wrong-secret-key' });
    assert.equal((await world.run(['sync'], env)).code, 4);
    assert.equal(existsSync(cacheDir(env.HOME!)) ? readdirSync(cacheDir(env.HOME!)).length : 0, 0);
  });

  test('a folder others can write to is never used, and NODE_DISABLE_COMPILE_CACHE turns it off', async () => {
    const env = world.env({ LOG_LEVEL: undefined });
    mkdirSync(cacheDir(env.HOME!), { recursive: true });
    chmodSync(cacheDir(env.HOME!), 0o777);
    assert.equal((await world.run(['show-token'], env)).code, 0);
    assert.deepEqual(readdirSync(cacheDir(env.HOME!)), []);

    const off = world.env({ LOG_LEVEL: undefined, NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal((await world.run(['show-token'], off)).code, 0);
    assert.equal(existsSync(cacheDir(off.HOME!)), false);
  });

  test('an unwritable home costs nothing but the cache', async () => {
    const env = world.env({ LOG_LEVEL: undefined, HOME: '/dev/null' });
    const result = await world.run(['show-token'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});

test('a reader that closes the pipe early ends the run quietly, not with a stack trace', async () => {
  const child = spawn(process.execPath, [BIN, '--help', 'sync'], { env: hermeticAwsEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.ok(!stderr.includes('EPIPE') && !stderr.includes('    at '), stderr);
});

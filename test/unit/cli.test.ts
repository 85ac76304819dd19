import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { type CommandRunner, main } from '../../src/cli.ts';
import { AwsError } from '../../src/errors.ts';
import type { Io } from '../../src/ui.ts';

function fakeIo(env: Record<string, string> = {}): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  return { stdout, stderr, env, out: () => out, err: () => err };
}

const runner = (run: CommandRunner) => async () => run;

test('argv → command and flags, as commander parses them', async () => {
  const seen: unknown[] = [];
  const io = fakeIo();
  const code = await main(['dry-run', '--registry-ids', '111111111111', '--create', '-o', 'json', '--timeout', '5'], io, runner(async (command, flags) => {
    seen.push(command, flags);
    return 0;
  }));
  assert.equal(code, 0);
  assert.deepEqual(seen, ['dry-run', { registryIds: '111111111111', create: true, output: 'json', timeout: '5' }]);
});

test('show-token takes --password; sync does not', async () => {
  const io = fakeIo();
  let flags: unknown;
  await main(['show-token', '--password'], io, runner(async (_c, f) => ((flags = f), 0)));
  assert.deepEqual(flags, { password: true });
  assert.equal(await main(['sync', '--password'], fakeIo(), runner(async () => 0)), 2);
});

test('an expected failure prints one error line and returns its code', async () => {
  const io = fakeIo();
  const code = await main(['show-token'], io, runner(async () => {
    throw new AwsError('AWS said no; fix the keys');
  }));
  assert.equal(code, 3);
  assert.equal(io.err(), 'error: AWS said no; fix the keys\n');
});

test('an unexpected failure is exit 1, asks for a report, and shows its stack only at debug level', async () => {
  const boom = runner(async () => {
    throw new TypeError('cannot read properties of undefined');
  });
  const quiet = fakeIo();
  assert.equal(await main(['sync'], quiet, boom), 1);
  assert.match(quiet.err(), /^error: unexpected internal error: cannot read properties of undefined; please report it/);
  assert.ok(!quiet.err().includes('    at '));
  const debug = fakeIo({ LOG_LEVEL: 'debug' });
  assert.equal(await main(['sync'], debug, boom), 1);
  assert.ok(debug.err().includes('    at '), 'stack at debug level');
});

test('--help and --version never load the command runner', async () => {
  let loaded = false;
  const load = async () => {
    loaded = true;
    return (async () => 0) as CommandRunner;
  };
  assert.equal(await main(['--help'], fakeIo(), load), 0);
  assert.equal(await main(['--version'], fakeIo(), load), 0);
  assert.equal(await main(['sync', '--help'], fakeIo(), load), 0);
  assert.equal(loaded, false);
});

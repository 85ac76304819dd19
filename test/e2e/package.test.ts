import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.ts';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('the published package is the bundle alone: no runtime dependencies, licences inside, at most 1.5 MB packed', async () => {
  assert.equal(pkg.dependencies, undefined, 'no runtime dependencies: the libraries are bundled');
  const destination = mkdtempSync(join(tmpdir(), 'rec-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination, '--ignore-scripts'], { cwd: ROOT });
  const [packed] = JSON.parse(stdout) as Array<{ size: number; filename: string; files: Array<{ path: string }> }>;
  assert.ok(packed);
  assert.ok(packed.size <= 1.5 * 1024 * 1024, `packed ${packed.size} bytes`);
  const paths = packed.files.map((f) => f.path);
  assert.ok(paths.includes('dist/cli.cjs') && paths.includes('dist/main.cjs') && paths.includes('bin/rancher-ecr-credentials'));
  assert.ok(paths.includes('dist/THIRD-PARTY-LICENSES.txt') && paths.includes('LICENSE'));
  assert.deepEqual(paths.filter((p) => !/^(dist\/|bin\/|LICENSE$|README\.md$|package\.json$)/.test(p)), [], 'nothing but the bundle, the launcher and the docs');
  const licences = readFileSync(join(ROOT, 'dist', 'THIRD-PARTY-LICENSES.txt'), 'utf8');
  for (const name of ['commander', 'axios', 'chalk', '@aws-sdk/client-ecr', '@aws-sdk/credential-providers']) {
    assert.match(licences, new RegExp(`^${name.replace('/', '\\/')}@\\d`, 'm'), `licence of ${name}`);
  }

  // npx of the tarball on an empty cache, offline: it installs one package and runs.
  const cache = join(destination, 'cache');
  const npx = await run('npm', ['exec', '--yes', '--offline', '--cache', cache, '--package', join(destination, packed.filename), '--', 'rancher-ecr-credentials', '--version'], { cwd: destination });
  assert.equal(npx.stdout.trim(), pkg.version);
  const installs = readdirSync(join(cache, '_npx'));
  assert.equal(installs.length, 1);
  assert.deepEqual(readdirSync(join(cache, '_npx', installs[0]!, 'node_modules')).filter((n) => !n.startsWith('.')), ['rancher-ecr-credentials']);
});

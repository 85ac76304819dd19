// Bundles the CLI with every library inside, so the published package has no runtime
// dependencies and `npx` installs a single package. The licences of what is bundled are
// gathered into dist/THIRD-PARTY-LICENSES.txt.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(join(root, 'dist'), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/main.ts' },
  outdir: 'dist',
  // The entry holds only commander and the settings table; the SDK, axios and chalk sit in
  // chunks that are read only when a command runs, so --help and --version start in a blink.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ES module builds first: they let unused SDK commands and helpers be tree-shaken.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // A few bundled CommonJS modules call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

/** The package folder of a bundled file: node_modules/<name> or node_modules/@scope/<name>. */
function packageDirOf(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

const packageDirs = new Set(Object.keys(result.metafile.inputs).map(packageDirOf).filter(Boolean));
const notices = [...packageDirs]
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(join(root, dir)).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    const text = licenseFile ? readFileSync(join(root, dir, licenseFile), 'utf8').trim() : `License: ${manifest.license ?? 'see the package'}`;
    return { name: manifest.name, version: manifest.version, license: manifest.license, text };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

writeFileSync(
  join(root, 'dist', 'THIRD-PARTY-LICENSES.txt'),
  `${pkg.name} ${pkg.version} bundles the following packages.\n\n` +
    notices.map((n) => `${'='.repeat(78)}\n${n.name}@${n.version} (${n.license})\n${'='.repeat(78)}\n${n.text}\n`).join('\n'),
);
if (!existsSync(dirname(join(root, 'dist', 'cli.js')))) throw new Error('build produced no dist/');

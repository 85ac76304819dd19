// Bundles the CLI into one minified ES module with every library inside, so the published
// package has no runtime dependencies and `npx` installs a single package.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src/main.ts' },
  outdir: 'dist',
  // The entry holds only commander and the settings table; the SDK, axios and chalk sit in a
  // chunk that is read only when a command runs, so --help and --version start in a blink.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ES module builds first: they let unused SDK commands and helpers be tree-shaken.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'linked',
  metafile: process.env.BUNDLE_METAFILE === '1',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // A few bundled CommonJS modules call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

// Bundles the CLI into one minified ES module with every library inside, so the published
// package has no runtime dependencies and `npx` installs a single package.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/cli.js',
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

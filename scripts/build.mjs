// Builds the published CLI:
//   dist/main.cjs  the whole CLI with every library inside (no runtime dependencies), minified;
//   dist/cli.cjs   the small entry point: --help/--version from text rendered here, else it runs
//                  main.cjs through a V8 code cache (src/launch.ts says why);
//   dist/THIRD-PARTY-LICENSES.txt  the licences of what main.cjs bundles.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * axios loads, at import time, code our client never runs: the fetch adapter (whose top-level
 * probe starts Node's undici), form-data with mime-db, follow-redirects (we send maxRedirects: 0,
 * so axios uses Node's http/https directly), its own proxy agent (we pass `proxy: false` and our
 * agents) and http2. Each is replaced by an empty stand-in; src/rancher/http.ts sets the options
 * that keep axios off those paths, and the end-to-end tests run the bundle that has them.
 */
const UNUSED_IN_AXIOS = {
  './fetch.js': 'export const getFetch = () => undefined; export default undefined;',
  'form-data': 'export default class FormData {}',
  'follow-redirects': 'export default { http: undefined, https: undefined };',
  'https-proxy-agent': 'export default class HttpsProxyAgent {}',
  http2: 'export default { constants: {} };',
};
const trimAxios = {
  name: 'trim-axios',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(\.\/fetch\.js|form-data|follow-redirects|https-proxy-agent|http2)$/ }, (args) =>
      /node_modules\/axios\//.test(args.importer) ? { path: args.path, namespace: 'axios-unused' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'axios-unused' }, (args) => ({ contents: UNUSED_IN_AXIOS[args.path], loader: 'js' }));
    // utils.js reads globalThis.FormData at import, and on Node 20 that getter loads undici (~10 ms);
    // we never send FormData. If axios changes this line, the build stops here rather than silently.
    pluginBuild.onLoad({ filter: /node_modules\/axios\/lib\/utils\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const probe = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";
      if (!source.includes(probe)) throw new Error(`trim-axios: ${args.path} no longer has the FormData probe; review the stand-ins`);
      return { contents: source.replace(probe, 'const FormDataCtor = undefined;'), loader: 'js' };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  // CommonJS: Node starts it without its ES module loader, and vm.Script can cache its code.
  format: 'cjs',
  target: 'node20',
  // ES module builds of the libraries first: they let unused SDK code be tree-shaken.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version) },
};

rmSync(join(root, 'dist'), { recursive: true, force: true });

const main = await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.cjs',
  // import('node:http') and the like become require(): vm.Script has no dynamic import.
  supported: { 'dynamic-import': false },
  metafile: true,
  plugins: [trimAxios],
});

/** Runs the real CLI in-process, as a pipe would see it, and keeps what it printed. */
async function render(mainExports, argv) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => (text += chunk));
  const code = await mainExports.main(argv, { stdout, stderr: new PassThrough(), env: {} });
  if (code !== 0) throw new Error(`rendering '${argv.join(' ')}' exited ${code}`);
  return text;
}

const mainExports = createRequire(import.meta.url)(join(root, 'dist', 'main.cjs'));
const prerendered = {};
for (const argv of [['--version'], ['-V'], ['--help'], ['-h'], ['help']]) prerendered[argv.join(' ')] = await render(mainExports, argv);
for (const command of ['sync', 'dry-run', 'show-token']) {
  for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) prerendered[argv.join(' ')] = await render(mainExports, argv);
}

await build({
  ...common,
  entryPoints: ['src/launch.ts'],
  outfile: 'dist/cli.cjs',
  define: {
    ...common.define,
    __PRERENDERED__: JSON.stringify(prerendered),
    __MAIN_HASH__: JSON.stringify(createHash('sha256').update(readFileSync(join(root, 'dist', 'main.cjs'))).digest('hex').slice(0, 16)),
  },
});

/** The package folder of a bundled file: node_modules/<name> or node_modules/@scope/<name>. */
function packageDirOf(input) {
  return /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}

const packageDirs = new Set(Object.keys(main.metafile.inputs).map(packageDirOf).filter(Boolean));
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

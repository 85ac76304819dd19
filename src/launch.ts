/**
 * The entry point (dist/cli.cjs): small, CommonJS, and quick to start.
 *
 * - `--version` and `--help` are answered from text rendered by the real CLI at build time, so
 *   they load neither commander nor anything else (only when stdout is not a terminal: there,
 *   commander wraps help to the terminal's width).
 * - Everything else runs dist/main.cjs, compiled through a V8 code cache kept in a per-user
 *   folder, the way Node 22's module.enableCompileCache() works, but also on Node 20.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { main as Main } from './cli.ts';

declare const __VERSION__: string;
/** sha256 of dist/main.cjs, from the build: V8 itself checks only the source's length. */
declare const __MAIN_HASH__: string;
/** argv joined by spaces → what the CLI printed to stdout for it; filled in by scripts/build.mjs. */
declare const __PRERENDERED__: Record<string, string>;

// The SDK warns about Node.js 20 on every run; cron mail is no place for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `show-token --password | head -c0` closes the pipe early: that is the reader's choice, not our failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

/**
 * A folder only this user can write to, else none: V8 trusts code cache data, so a cache that
 * someone else could replace would let them run code as us. NODE_DISABLE_COMPILE_CACHE turns
 * it off and NODE_COMPILE_CACHE moves it, as with Node's own compile cache.
 */
function cacheFolder(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const base = process.env.NODE_COMPILE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rancher-ecr-credentials');
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const stat = statSync(base);
    const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    return ours && (stat.mode & 0o022) === 0 ? base : undefined;
  } catch {
    return undefined; // read-only home, no home: run without a cache
  }
}

function loadMain(): { main: typeof Main } {
  const file = join(__dirname, 'main.cjs');
  const source = readFileSync(file, 'utf8');
  const folder = cacheFolder();
  // One cache per bundle, Node build and command, since each command compiles other functions.
  const command = /^[a-z-]{1,20}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
  const build = `${__VERSION__}-${__MAIN_HASH__}-${process.version}-${process.arch}-`;
  const cacheFile = folder && join(folder, `${build}${command}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, { filename: file, cachedData });
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // At the exit of a successful run, so that the functions a whole run compiles are in it (an
    // early failure would leave a thin cache that V8 accepts ever after); written whole, then
    // renamed, so a run at the same time never reads half a file.
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        const partial = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
        renameSync(partial, cacheFile);
        // Caches of other versions or Node builds will never be read again.
        for (const name of readdirSync(folder)) {
          if (name.endsWith('.v8cache') && !name.startsWith(build)) rmSync(join(folder, name), { force: true });
        }
      } catch {
        // A cache is an optimisation; never a reason to fail.
      }
    });
  }
  const module = { exports: {} as { main: typeof Main } };
  script.runInThisContext()(module.exports, createRequire(file), module, file, __dirname);
  return module.exports;
}

const argv = process.argv.slice(2);
const prerendered = process.stdout.isTTY ? undefined : __PRERENDERED__[argv.join(' ')];
if (prerendered !== undefined) {
  process.stdout.write(prerendered);
} else {
  loadMain()
    .main(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env })
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * Start-up and footprint benchmark of the built CLI, against the loopback fakes.
 *
 *   npm run build && npm run bench                 # 15 timed runs per case after 2 warm-ups
 *   npm run bench -- --runs 30                     # or BENCH_RUNS=30
 *   npm run bench -- --json                        # machine-readable results on stdout
 *
 * The fakes (ECR/STS and Cattle) run inside this process, so every child is spawned
 * asynchronously: a spawnSync would block the very event loop that has to answer it.
 *
 * Measurement:
 *   - wall time: performance.now() from just before spawn() to the child's 'exit' event;
 *   - peak RSS: GNU `/usr/bin/time -f %M -o FILE` (the kernel's ru_maxrss of the waited-for
 *     child, from wait4(); exact, no polling). Every case, the baseline included, runs under the
 *     same wrapper, so its ~1 ms exec cost cancels out in the ratios; an unwrapped `node -e 0`
 *     series is measured alongside to show that cost. Without GNU time, Node children are run
 *     with a --require preload that writes process.resourceUsage().maxRSS at exit (other
 *     commands then report no RSS).
 *   - cases run round-robin (warm-ups first, then run 1 of every case, run 2 of every case …),
 *     so slow drifts of the machine hit every case alike.
 *
 * Every child gets a hermetic environment like test/helpers/world.ts (empty HOME and AWS config
 * files, nothing inherited but PATH); AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is never
 * set here: the CLI sets it itself. Any non-zero exit, timeout, or wrong output fails the whole
 * benchmark loudly (exit 1, with the child's stderr). A missed target does not: it prints FAIL.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../helpers/cli.ts';
import { HOST, World } from '../helpers/world.ts';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const WARMUPS = 2;
const RUN_TIMEOUT_MS = 60_000;
const MiB = 1024 * 1024;

interface Options {
  runs: number;
  json: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let runs = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : 15;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--runs') runs = Number(argv[++i]);
    else if (arg.startsWith('--runs=')) runs = Number(arg.slice('--runs='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node --import tsx test/bench/bench.ts [--runs N] [--json]   (env BENCH_RUNS=N)\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument '${arg}' (see --help)\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`bench: --runs / BENCH_RUNS must be a positive integer, got '${String(runs)}'\n`);
    process.exit(2);
  }
  return { runs, json };
}

// ---------------------------------------------------------------------------------------------
// Running one child
// ---------------------------------------------------------------------------------------------

type Env = Record<string, string | undefined>;

interface Sample {
  ms: number;
  /** spawn → the first request reaching a fake (ECR, STS or Cattle), when the run sent one. */
  firstRequestMs: number | undefined;
  rssKiB: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How peak RSS is measured: decided once, at start. */
type RssMethod = { kind: 'gnu-time'; path: string } | { kind: 'node-preload'; preload: string } | { kind: 'none' };

class BenchFailure extends Error {}

const scratch = mkdtempSync(join(tmpdir(), 'rec-bench-'));
let runSerial = 0;
/** The run in flight: the fakes' intercept hooks stamp its first request. */
let inFlight: { first: number | undefined } | undefined;

/** Lets a World's fakes stamp the arrival of each run's first request (the hooks answer nothing themselves). */
function stampFirstRequests(world: World): void {
  const stamp = (): boolean => {
    if (inFlight && inFlight.first === undefined) inFlight.first = performance.now();
    return false;
  };
  world.aws.intercept = stamp;
  world.cattle.intercept = stamp;
}
/** show-token/sync runs whose stderr was scanned for warnings. */
let warningRunsChecked = 0;

/**
 * A private copy of what npm would publish (package.json, README, LICENSE, bin/, dist/): others
 * rebuild dist/ while this runs (the build starts with rm -rf dist), so the runs, and npm pack,
 * use this copy. It lies on the same file system as the checkout.
 */
function snapshotPackage(): { dir: string; bin: string; builtAt: string; distBytes: number } {
  const dir = join(scratch, 'package');
  const distCli = join(ROOT, 'dist', 'cli.cjs');
  if (!existsSync(distCli)) throw new BenchFailure('bench: dist/cli.cjs is missing; run `npm run build` first');
  const names = readdirSync(ROOT).filter((name) => ['package.json', 'bin', 'dist'].includes(name) || /^(readme|license|licence|notice)/i.test(name));
  for (const name of names) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  const bin = join(dir, 'bin', 'rancher-ecr-credentials');
  if (!existsSync(join(dir, 'dist', 'cli.cjs')) || !existsSync(bin)) throw new BenchFailure('bench: dist/ vanished while it was copied (a build running?); run `npm run build` and try again');
  let distBytes = 0;
  const walk = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else distBytes += stat.size;
  };
  walk(join(dir, 'dist'));
  return { dir, bin, builtAt: statSync(join(dir, 'dist', 'cli.cjs')).mtime.toISOString(), distBytes };
}

function detectRssMethod(): RssMethod {
  const time = '/usr/bin/time';
  if (existsSync(time)) {
    try {
      const out = join(scratch, 'probe');
      execFileSync(time, ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
      if (/^\d+$/.test(readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '')) return { kind: 'gnu-time', path: time };
    } catch {
      // not GNU time (BusyBox, BSD): fall through
    }
  }
  const preload = join(scratch, 'maxrss.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => { try { require('node:fs').writeFileSync(${JSON.stringify(scratch)} + '/rss-' + process.pid, String(process.resourceUsage().maxRSS)); } catch {} });\n`,
  );
  return { kind: 'node-preload', preload };
}

function lastInteger(text: string): number | undefined {
  const line = text.trim().split('\n').at(-1) ?? '';
  return /^\d+$/.test(line) ? Number(line) : undefined;
}

/** Spawns one command (asynchronously: the fakes answer from this process) and measures it. */
async function measure(command: string, args: readonly string[], env: Env, rss: RssMethod, options: { wrap?: boolean } = {}): Promise<Sample> {
  const wrap = options.wrap ?? true;
  const rssFile = join(scratch, `rss-${++runSerial}`);
  let file = command;
  let argv = [...args];
  if (wrap && rss.kind === 'gnu-time') {
    file = rss.path;
    argv = ['-f', '%M', '-o', rssFile, command, ...args];
  } else if (wrap && rss.kind === 'node-preload' && command === process.execPath) {
    argv = ['--require', rss.preload, ...args];
  }
  let stdout = '';
  let stderr = '';
  const probe: { first: number | undefined } = { first: undefined };
  inFlight = probe;
  const t0 = performance.now();
  // Its own process group, so a timeout kills the CLI too, not only the /usr/bin/time wrapper.
  const child: ChildProcess = spawn(file, argv, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<{ t1: number; code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ t1: performance.now(), code, signal }));
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, RUN_TIMEOUT_MS);
  try {
    const { t1, code, signal } = await exited;
    await closed;
    let rssKiB: number | undefined;
    if (wrap && rss.kind === 'gnu-time' && existsSync(rssFile)) {
      const text = readFileSync(rssFile, 'utf8');
      rssKiB = lastInteger(text);
      rmSync(rssFile, { force: true });
    } else if (wrap && rss.kind === 'node-preload' && child.pid !== undefined) {
      const path = join(scratch, `rss-${child.pid}`);
      if (existsSync(path)) {
        rssKiB = lastInteger(readFileSync(path, 'utf8'));
        rmSync(path, { force: true });
      }
    }
    return { ms: t1 - t0, firstRequestMs: probe.first === undefined ? undefined : probe.first - t0, rssKiB, code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
    inFlight = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting
// ---------------------------------------------------------------------------------------------

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0.5) {
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  // nearest rank
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const fmt = (value: number | undefined, digits = 1): string => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAlignFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i >= rightAlignFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

interface Case {
  id: string;
  label: string;
  command: string;
  args: string[];
  env: Env;
  /** Checks one run's output; throws (with a reason) when the run did not do its job. */
  check?: (sample: Sample) => string | undefined;
  /** stderr must be free of Node/SDK warnings. */
  warningFree?: boolean;
  /** Not shown as a row: reported in the header. */
  hidden?: boolean;
  wrap?: boolean;
}

interface CaseResult {
  id: string;
  label: string;
  runs: number;
  samplesMs: number[];
  medianMs: number;
  p90Ms: number;
  minMs: number;
  peakRssMiB: number | undefined;
  /** Median of spawn → first request at a fake: the start-up part of a networked run. */
  firstRequestMedianMs: number | undefined;
  ratioToNode: number;
  ratioToAws?: number;
}

/** What a Node or AWS SDK warning looks like on stderr (process.emitWarning output, DEP codes, the SDK's own). */
const WARNING = /\(node:\d+\)|\bDEP0\d{3}\b|NodeVersionSupportWarning|DeprecationWarning|ExperimentalWarning|\bwarning:/i;

function failRun(kase: { label: string; command: string; args: readonly string[] }, sample: Sample, reason: string): never {
  throw new BenchFailure(
    [
      `bench: run of '${kase.label}' failed: ${reason}`,
      `  command: ${[kase.command, ...kase.args].join(' ')}`,
      `  exit code: ${String(sample.code)}${sample.signal ? ` (signal ${sample.signal})` : ''}`,
      `  stderr:\n${sample.stderr.trimEnd().replace(/^/gm, '    ') || '    (empty)'}`,
      `  stdout:\n${sample.stdout.trimEnd().slice(0, 2000).replace(/^/gm, '    ') || '    (empty)'}`,
    ].join('\n'),
  );
}

async function runChecked(kase: Case, rss: RssMethod, warnings: string[]): Promise<Sample> {
  const sample = await measure(kase.command, kase.args, kase.env, rss, { wrap: kase.wrap ?? true });
  if (sample.code !== 0 || sample.signal !== null) failRun(kase, sample, sample.signal ? 'killed (timeout?)' : `exit code ${String(sample.code)}`);
  const reason = kase.check?.(sample);
  if (reason !== undefined) failRun(kase, sample, reason);
  if (kase.warningFree) {
    warningRunsChecked++;
    for (const line of sample.stderr.split('\n')) if (WARNING.test(line)) warnings.push(`${kase.label}: ${line.trim()}`);
  }
  return sample;
}

function resolveAwsCli(path: string | undefined): { path: string; version: string; note?: string } | undefined {
  for (const dir of (path ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, 'aws');
    if (!existsSync(candidate)) continue;
    let real = candidate;
    let note: string | undefined;
    // A pyenv shim is a bash script that runs `pyenv exec`; time the real entry point, as a normal install would run.
    if (candidate.includes('/.pyenv/shims/')) {
      try {
        real = execFileSync(join(dirname(dirname(candidate)), 'bin', 'pyenv'), ['which', 'aws'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        note = `pyenv shim ${candidate} resolved to ${real}`;
      } catch {
        real = candidate;
      }
    }
    try {
      const version = execFileSync(real, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: path ?? '', HOME: scratch } }).trim();
      return { path: real, version, note };
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      // aws v1 printed its version on stderr
      if (/aws-cli\//.test(stderr)) return { path: real, version: stderr.trim(), note };
      return undefined;
    }
  }
  return undefined;
}

function selfSignedCert(): { key: string; cert: string; certFile: string } | undefined {
  try {
    const dir = mkdtempSync(join(scratch, 'tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (text: string) => process.stderr.write(text);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const snapshot = snapshotPackage();
  const BIN = snapshot.bin;

  const rss = detectRssMethod();
  const aws = resolveAwsCli(process.env.PATH);
  const homes: string[] = [];
  const worlds: World[] = [];
  const startWorld = async (...args: Parameters<typeof World.start>) => {
    const world = await World.start(...args);
    worlds.push(world);
    return world;
  };
  /** The CLI's environment: hermetic like the e2e tests, at the default log level. */
  const cliEnv = (world: World, overrides: Env = {}): Env => {
    const env = world.env({ LOG_LEVEL: undefined, ...overrides });
    if (env.HOME) homes.push(env.HOME);
    return env;
  };

  const header = {
    date: new Date().toISOString(),
    nproc: (() => {
      try {
        return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
      } catch {
        return cpus().length;
      }
    })(),
    cpu: cpus()[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(totalmem() / MiB),
    freeMemMiB: Math.round(freemem() / MiB),
    node: process.version,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    package: `${pkg.name}@${pkg.version}`,
    runs: options.runs,
    warmups: WARMUPS,
    rssMethod: rss.kind === 'gnu-time' ? `${rss.path} -f %M (ru_maxrss via wait4)` : rss.kind === 'node-preload' ? 'process.resourceUsage().maxRSS from a --require preload (Node children only)' : 'none',
    build: `dist/ built ${snapshot.builtAt}, ${(snapshot.distBytes / 1024).toFixed(1)} KiB, run from a private copy (${snapshot.dir})`,
    awsCli: aws ? `${aws.version} (${aws.path})` : 'not on PATH: skipped',
  };

  try {
    const world = await startWorld();
    stampFirstRequests(world);
    const env = cliEnv(world);
    const node = process.execPath;
    const expectPassword = () => world.lastPassword();

    const cases: Case[] = [
      { id: 'node', label: 'node -e 0', command: node, args: ['-e', '0'], env },
      { id: 'node-unwrapped', label: 'node -e 0 (no wrapper)', command: node, args: ['-e', '0'], env, hidden: true, wrap: false },
      {
        id: 'help', label: '--help', command: node, args: [BIN, '--help'], env,
        check: (s) => (/Usage: rancher-ecr-credentials/.test(s.stdout) ? undefined : 'no usage text on stdout'),
      },
      {
        id: 'version', label: '--version', command: node, args: [BIN, '--version'], env,
        check: (s) => (s.stdout.trim() === pkg.version ? undefined : `printed '${s.stdout.trim()}', expected ${pkg.version}`),
      },
      {
        id: 'show-token', label: 'show-token', command: node, args: [BIN, 'show-token'], env, warningFree: true,
        check: (s) => (s.stdout.includes(HOST) ? undefined : `stdout does not name ${HOST}`),
      },
    ];
    if (aws) {
      const awsEnv: Env = {
        PATH: env.PATH, HOME: env.HOME, AWS_CONFIG_FILE: env.AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE: env.AWS_SHARED_CREDENTIALS_FILE,
        AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
        AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL_ECR: world.aws.url,
      };
      cases.push({
        id: 'aws-cli', label: 'aws ecr get-login-password', command: aws.path,
        args: ['ecr', 'get-login-password', '--region', 'us-east-1', '--endpoint-url', world.aws.url], env: awsEnv,
        check: (s) => (s.stdout.trim() === expectPassword() ? undefined : 'did not print the password the fake ECR just issued'),
      });
    }
    // The compile cache lives in HOME, which stays the same across runs as it would for a cron user;
    // without it (NODE_DISABLE_COMPILE_CACHE, or a fresh container each run) start-up is slower.
    const noCache = { ...env, NODE_DISABLE_COMPILE_CACHE: '1' };
    cases.push({
      id: 'show-token-nocache', label: 'show-token, no code cache', command: node, args: [BIN, 'show-token'], env: noCache, warningFree: true,
      check: (s) => (s.stdout.includes(HOST) ? undefined : `stdout does not name ${HOST}`),
    });
    cases.push({
      id: 'sync-nocache', label: 'sync, no code cache', command: node, args: [BIN, 'sync'], env: noCache, warningFree: true,
      check: (s) => (/updated/.test(s.stdout) ? undefined : 'stdout does not report an update'),
    });
    cases.push({
      id: 'sync', label: 'sync (1 registry)', command: node, args: [BIN, 'sync'], env, warningFree: true,
      check: (s) => {
        if (!/updated/.test(s.stdout)) return 'stdout does not report an update';
        return world.secretsOf(world.registryIds[0]!).includes(expectPassword()) ? undefined : 'the Rancher credential does not hold the fresh password';
      },
    });

    const warnings: string[] = [];
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.id, []]));
    log(`bench: ${cases.length} cases × (${WARMUPS} warm-up + ${options.runs} timed), round-robin; RSS via ${header.rssMethod}\n`);
    for (let i = 0; i < WARMUPS + options.runs; i++) {
      for (const kase of cases) {
        const sample = await runChecked(kase, rss, warnings);
        if (i >= WARMUPS) samples.get(kase.id)!.push(sample);
      }
      log(i < WARMUPS ? 'w' : '.');
    }
    log('\n');

    const nodeMedian = quantile(samples.get('node')!.map((s) => s.ms), 0.5);
    const results: CaseResult[] = cases.map((kase) => {
      const list = samples.get(kase.id)!;
      const ms = list.map((s) => s.ms);
      const rssValues = list.map((s) => s.rssKiB).filter((v): v is number => v !== undefined);
      const medianMs = quantile(ms, 0.5);
      return {
        id: kase.id,
        label: kase.label,
        runs: list.length,
        samplesMs: ms.map((v) => Math.round(v * 100) / 100),
        medianMs,
        p90Ms: quantile(ms, 0.9),
        minMs: Math.min(...ms),
        peakRssMiB: rssValues.length > 0 ? Math.max(...rssValues) / 1024 : undefined,
        firstRequestMedianMs: list.every((s) => s.firstRequestMs !== undefined) ? quantile(list.map((s) => s.firstRequestMs!), 0.5) : undefined,
        ratioToNode: medianMs / nodeMedian,
      };
    });
    const byId = (id: string) => results.find((r) => r.id === id);
    const awsResult = byId('aws-cli');
    const showToken = byId('show-token')!;
    if (awsResult) showToken.ratioToAws = showToken.medianMs / awsResult.medianMs;

    // --- 6. Rancher requests of one sync, by environment size (one run each: deterministic) ---
    const requestCounts: Array<{ registries: number; rancherRequests: number; awsRequests: number; wallMs: number; requests: string[] }> = [];
    for (const n of [1, 100, 1000]) {
      const others = Array.from({ length: n - 1 }, (_, i) => `registry-${i + 1}.example.com`);
      const big = await startWorld({ registries: [...others, HOST] });
      const kase: Case = {
        id: `sync-${n}`, label: `sync with ${n} registries`, command: node, args: [BIN, 'sync'], env: cliEnv(big), warningFree: true,
        check: () => (big.secretsOf(big.registryIds.at(-1)!).includes(big.lastPassword()) ? undefined : 'the ECR registry (last one) was not updated'),
      };
      const before = big.cattle.requests.length;
      const awsBefore = big.aws.requests.length;
      const sample = await runChecked(kase, rss, warnings);
      const recorded = big.cattle.requests.slice(before);
      requestCounts.push({
        registries: n,
        rancherRequests: recorded.length,
        awsRequests: big.aws.requests.length - awsBefore,
        wallMs: sample.ms,
        requests: recorded.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''} → ${r.status}`),
      });
      await big.close();
      worlds.splice(worlds.indexOf(big), 1);
    }

    // --- DEP0123 / NodeVersionSupportWarning over HTTPS too (TLS to an IP address is where DEP0123 lives) ---
    const tlsCheck: { done: boolean; note: string } = { done: false, note: 'openssl not available: HTTPS warning check skipped' };
    const tls = selfSignedCert();
    if (tls) {
      const secure = await startWorld({ aws: { tls: { key: tls.key, cert: tls.cert } }, cattle: { tls: { key: tls.key, cert: tls.cert } } });
      const secureEnv = cliEnv(secure, { RANCHER_CA_CERT: tls.certFile });
      for (const command of ['show-token', 'sync']) {
        await runChecked({ id: `tls-${command}`, label: `${command} over HTTPS`, command: node, args: [BIN, command], env: secureEnv, warningFree: true }, rss, warnings);
      }
      tlsCheck.done = true;
      tlsCheck.note = `show-token and sync over HTTPS (fakes at ${secure.aws.url} and ${secure.cattle.url}, --ca-cert via RANCHER_CA_CERT)`;
    }
    const warningChecks = {
      runsChecked: warningRunsChecked,
      https: tlsCheck.note,
      warnings,
    };

    for (const w of worlds.splice(0)) await w.close();

    // --- 7. Packed size of the copy that was measured (dry run: no tarball is written; scripts skipped,
    // so prepare does not rebuild dist/) ---
    const tarball = join(snapshot.dir, `${pkg.name}-${pkg.version}.tgz`);
    const tarballBefore = existsSync(tarball);
    const packOut = await new Promise<string>((resolve, reject) => {
      const child = spawn('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: snapshot.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new BenchFailure(`bench: npm pack --dry-run failed (${String(code)}):\n${err}`))));
    });
    if (!tarballBefore && existsSync(tarball)) rmSync(tarball);
    const packed = (JSON.parse(packOut) as Array<{ size: number; unpackedSize: number; entryCount: number; files: Array<{ path: string; size: number }> }>)[0]!;
    const pack = {
      tarballBytes: packed.size,
      unpackedBytes: packed.unpackedSize,
      files: packed.entryCount,
      largest: [...packed.files].sort((a, b) => b.size - a.size).slice(0, 5).map((f) => ({ path: f.path, bytes: f.size })),
      tarballLeftBehind: !tarballBefore && existsSync(tarball),
    };

    // --- Targets ---
    const nodeRatio = (id: string) => byId(id)!.ratioToNode;
    const syncResult = byId('sync')!;
    const targets: Array<{ target: string; value: string; pass: boolean | undefined }> = [
      { target: '--help ≤ 1.3 × node -e 0', value: `${fmt(nodeRatio('help'), 2)}×`, pass: nodeRatio('help') <= 1.3 },
      { target: '--version ≤ 1.3 × node -e 0', value: `${fmt(nodeRatio('version'), 2)}×`, pass: nodeRatio('version') <= 1.3 },
      { target: 'show-token ≤ 3.5 × node -e 0', value: `${fmt(nodeRatio('show-token'), 2)}×`, pass: nodeRatio('show-token') <= 3.5 },
      {
        target: 'show-token ≤ 0.2 × aws cli',
        value: showToken.ratioToAws !== undefined ? `${fmt(showToken.ratioToAws, 2)}×` : 'aws cli not on PATH',
        pass: showToken.ratioToAws !== undefined ? showToken.ratioToAws <= 0.2 : undefined,
      },
      { target: 'sync ≤ 4 × node -e 0', value: `${fmt(nodeRatio('sync'), 2)}×`, pass: nodeRatio('sync') <= 4 },
      {
        target: 'sync peak RSS ≤ 70 MiB',
        value: syncResult.peakRssMiB !== undefined ? `${fmt(syncResult.peakRssMiB)} MiB` : 'not measured',
        pass: syncResult.peakRssMiB !== undefined ? syncResult.peakRssMiB <= 70 : undefined,
      },
      ...requestCounts.map((r) => ({ target: `Rancher requests ≤ 6 (${r.registries} registr${r.registries === 1 ? 'y' : 'ies'})`, value: String(r.rancherRequests), pass: r.rancherRequests <= 6 })),
      { target: 'packed ≤ 1.5 MB (1,500,000 bytes)', value: `${(pack.tarballBytes / 1e6).toFixed(3)} MB`, pass: pack.tarballBytes <= 1_500_000 },
      { target: 'no Node/SDK warnings on stderr (show-token, sync)', value: `${warnings.length} warning line(s)`, pass: warnings.length === 0 },
    ];

    const unwrapped = byId('node-unwrapped')!;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ header: { ...header, loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100) }, results, requestCounts, pack, warningChecks, targets, timeWrapperOverheadMs: byId('node')!.medianMs - unwrapped.medianMs }, null, 2)}\n`);
      return 0;
    }

    const out: string[] = [];
    out.push(`rancher-ecr-credentials start-up benchmark — ${header.date}`);
    out.push(`node ${header.node}, nproc ${header.nproc} (${header.cpu}), memory ${header.totalMemMiB} MiB total / ${header.freeMemMiB} MiB free, load average ${header.loadAverageAtStart.join(' ')} at start, ${loadavg().map((v) => v.toFixed(2)).join(' ')} at end`);
    out.push(`${header.package}; ${options.runs} timed runs per case after ${WARMUPS} warm-ups, round-robin; wall = spawn → exit`);
    out.push(`peak RSS: ${header.rssMethod}; wrapper cost ≈ ${fmt(byId('node')!.medianMs - unwrapped.medianMs, 2)} ms (node -e 0 unwrapped: median ${fmt(unwrapped.medianMs)} ms), present in every row alike`);
    out.push(header.build);
    out.push(`aws cli: ${header.awsCli}${aws?.note ? `; ${aws.note}` : ''}`);
    out.push('');
    const rows = results.filter((r) => !cases.find((c) => c.id === r.id)!.hidden).map((r) => [
      r.label, fmt(r.medianMs), fmt(r.p90Ms), fmt(r.minMs), fmt(r.peakRssMiB), `${fmt(r.ratioToNode, 2)}×`, r.ratioToAws !== undefined ? `${fmt(r.ratioToAws, 3)}×` : '', r.firstRequestMedianMs !== undefined ? fmt(r.firstRequestMedianMs) : '',
    ]);
    if (!aws) rows.splice(rows.length - 1, 0, ['aws ecr get-login-password', 'skipped: aws not on PATH', '', '', '', '', '', '']);
    out.push(table(['case', 'median ms', 'p90 ms', 'min ms', 'peak RSS MiB', '÷ node -e 0', '÷ aws cli', '→ 1st request ms'], rows));
    out.push('(ratios are of medians; "→ 1st request" = spawn until the first request reaches a fake, i.e. start-up before any network I/O)');
    out.push('');
    out.push('Rancher requests of one sync (ECR registry seeded last):');
    out.push(table(['registries', 'Rancher requests', 'AWS requests', 'wall ms'], requestCounts.map((r) => [String(r.registries), String(r.rancherRequests), String(r.awsRequests), fmt(r.wallMs)]), 0));
    out.push(`  requests of the 1000-registry run: ${requestCounts.at(-1)!.requests.join('; ')}`);
    out.push('');
    out.push(`Package (npm pack --dry-run): ${pack.tarballBytes.toLocaleString('en')} bytes packed (${(pack.tarballBytes / MiB).toFixed(2)} MiB), ${pack.unpackedBytes.toLocaleString('en')} unpacked, ${pack.files} files${pack.tarballLeftBehind ? ' — WARNING: a tarball was left behind' : ''}`);
    out.push(`  largest: ${pack.largest.map((f) => `${f.path} ${(f.bytes / 1024).toFixed(1)} KiB`).join(', ')}`);
    out.push('');
    out.push(`Warning check: ${warningChecks.runsChecked} show-token/sync runs scanned; ${tlsCheck.note}`);
    for (const w of warnings.slice(0, 10)) out.push(`  ${w}`);
    out.push('');
    out.push('Targets:');
    for (const t of targets) out.push(`  ${t.pass === undefined ? 'SKIP' : t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value}`);
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    for (const w of worlds) await w.close().catch(() => undefined);
    for (const home of homes) rmSync(home, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof BenchFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

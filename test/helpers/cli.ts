import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'rancher-ecr-credentials');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A HOME and AWS config files that hold nothing: no test ever reads the developer's own. */
export function hermeticAwsEnv(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'rec-home-'));
  const empty = join(home, 'empty');
  writeFileSync(empty, '');
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * Runs the built CLI as a user would, with exactly the environment given (nothing inherited but
 * PATH), and fails the test if any of `secrets` shows up in its output, raw or in base64.
 */
export async function runCli(args: string[], env: Record<string, string | undefined>, options: { secrets?: string[]; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const result = { code, stdout, stderr };
  assertNoSecrets(result, options.secrets ?? []);
  return result;
}

export function assertNoSecrets(result: CliResult, secrets: string[]): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    for (const form of [secret, Buffer.from(secret).toString('base64')]) {
      assert.ok(!output.includes(form), `a secret (${secret.slice(0, 3)}…) appeared in the output:\n${output.slice(0, 2000)}`);
    }
  }
}

import type { ChalkInstance } from 'chalk';
import type { CliError } from './errors.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import type { PlanAction, RegistryToken } from './plan.ts';

/** Bumped when the JSON shape changes in a way scripts would notice. */
export const REPORT_VERSION = 1;

export type ActionStatus = 'planned' | 'done' | 'failed' | 'skipped';
export type ActionOutcome = PlanAction & { status: ActionStatus; credentialId?: string; registryId?: string; error?: string };

export type EndpointStatus = 'fetched' | 'planned' | 'updated' | 'created' | 'no-match' | 'failed';

/** Everything the run learnt about one ECR endpoint: rendered as text or JSON, and judged for the exit code. */
export interface EndpointResult {
  registryId: string | undefined;
  token: RegistryToken | undefined;
  status: EndpointStatus;
  actions: ActionOutcome[];
  error: CliError | undefined;
}

export type Command = 'sync' | 'dry-run' | 'show-token';

export interface RunReport {
  command: Command;
  /** Which Rancher was read or written, when the run got that far. */
  rancher: string | undefined;
  endpoints: EndpointResult[];
}

const SUCCESS: ReadonlySet<EndpointStatus> = new Set(['fetched', 'planned', 'updated', 'created']);

/**
 * 0 when every endpoint succeeded; 7 when none matched a registry (and none failed); 6 when some
 * succeeded and some failed; else the first failure's own code (3 AWS, 4 keys, 5 Rancher).
 */
export function exitCodeOf(report: RunReport): ExitCodeValue {
  const failed = report.endpoints.filter((e) => e.status === 'failed');
  const succeeded = report.endpoints.filter((e) => SUCCESS.has(e.status));
  if (failed.length === 0) {
    return succeeded.length === 0 && report.endpoints.length > 0 ? ExitCode.NoMatch : ExitCode.Ok;
  }
  if (succeeded.length > 0) return ExitCode.Partial;
  return failed[0]!.error?.exitCode ?? ExitCode.Internal;
}

function hostOf(endpoint: EndpointResult): string {
  return endpoint.token?.host ?? (endpoint.registryId ? `account ${endpoint.registryId}` : "the caller's account");
}

function describeAction(action: ActionOutcome): string {
  switch (action.kind) {
    case 'update-credential':
      return `credential ${action.credentialId} of registry ${action.registryId} (${action.serverAddress})`;
    case 'create-credential':
      return `a credential for registry ${action.registryId} (${action.serverAddress})${action.credentialId ? `: ${action.credentialId}` : ''}`;
    case 'create-registry':
      return `registry ${action.host} with a credential${action.registryId ? `: ${action.registryId}` : ''}`;
  }
}

const VERB: Record<PlanAction['kind'], { planned: string; done: string }> = {
  'update-credential': { planned: 'update', done: 'updated' },
  'create-credential': { planned: 'create', done: 'created' },
  'create-registry': { planned: 'create', done: 'created' },
};

function expiry(token: RegistryToken | undefined, now: Date): string {
  if (token?.expiresAt === undefined) return 'unknown';
  const hours = (token.expiresAt.getTime() - now.getTime()) / 3_600_000;
  const rel = hours >= 1 ? `in ${hours.toFixed(1)} h` : `in ${Math.max(0, Math.round(hours * 60))} min`;
  return `${token.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z')} (${rel})`;
}

/** The human report: one line per endpoint action, then a summary. Failures always show. */
export function renderText(report: RunReport, c: ChalkInstance, options: { quiet: boolean; now: Date }): string[] {
  const lines: string[] = [];
  const show = (line: string, important: boolean) => {
    if (important || !options.quiet) lines.push(line);
  };
  for (const endpoint of report.endpoints) {
    const host = hostOf(endpoint);
    if (endpoint.status === 'failed' && endpoint.actions.length === 0) {
      show(`${c.red('✗')} ${host}: ${endpoint.error?.message ?? 'failed'}`, true);
      continue;
    }
    if (endpoint.status === 'no-match') {
      show(`${c.yellow('!')} ${host}: no Rancher registry has this address; run with --create (or AUTO_CREATE=true) to add one`, true);
      continue;
    }
    for (const action of endpoint.actions) {
      const what = describeAction(action);
      if (action.status === 'planned') show(`${c.cyan(action.kind === 'update-credential' ? '~' : '+')} ${host}: would ${VERB[action.kind].planned} ${what}`, false);
      else if (action.status === 'done') show(`${c.green('✓')} ${host}: ${VERB[action.kind].done} ${what}`, false);
      else if (action.status === 'skipped') show(`${c.red('✗')} ${host}: not attempted, ${action.error ?? 'the deadline passed'}: ${what}`, true);
      else show(`${c.red('✗')} ${host}: could not ${VERB[action.kind].planned} ${what}: ${action.error ?? 'failed'}`, true);
    }
    if (endpoint.status === 'updated' || endpoint.status === 'created') {
      show(`  token expires ${expiry(endpoint.token, options.now)}`, false);
    }
    // A failure that stopped the run (rejected keys, the deadline) is said once, after the actions it cut short.
    const told = endpoint.actions.some((a) => a.status === 'failed' && a.error === endpoint.error?.message);
    if (endpoint.status === 'failed' && endpoint.error && !told) show(`${c.red('✗')} ${host}: ${endpoint.error.message}`, true);
  }
  const count = (status: EndpointStatus) => report.endpoints.filter((e) => e.status === status).length;
  const parts = [
    report.command === 'dry-run' ? `${count('planned')} to change` : `${count('updated') + count('created')} updated`,
    `${count('no-match')} without a registry`,
    `${count('failed')} failed`,
  ];
  const where = report.rancher ? ` in ${report.rancher}` : '';
  show(`${report.command === 'dry-run' ? 'Dry run, nothing written' : 'Sync done'}${where}: ${parts.join(', ')}.`, false);
  return lines;
}

/** show-token's table: the password masked, its length shown so a truncation would be seen. */
export function renderTokensText(report: RunReport, c: ChalkInstance, now: Date): string[] {
  const lines: string[] = [];
  for (const endpoint of report.endpoints) {
    const token = endpoint.token;
    if (token === undefined) {
      lines.push(`${c.red('✗')} ${hostOf(endpoint)}: ${endpoint.error?.message ?? 'failed'}`);
      continue;
    }
    lines.push(`${c.bold(token.endpoint)}`);
    lines.push(`  username  ${token.username}`);
    lines.push(`  password  ******** (${token.password.length} characters; --password prints it)`);
    lines.push(`  expires   ${expiry(token, now)}`);
  }
  return lines;
}

export function renderJson(report: RunReport, options: { revealPasswords: boolean }): string {
  const json = {
    version: REPORT_VERSION,
    command: report.command,
    rancher: report.rancher ?? null,
    exitCode: exitCodeOf(report),
    endpoints: report.endpoints.map((e) => ({
      // ECR calls the AWS account id a registry id; actions name Rancher's registries.
      ecrRegistryId: e.registryId ?? null,
      endpoint: e.token?.endpoint ?? null,
      host: e.token?.host ?? null,
      username: e.token?.username ?? null,
      ...(options.revealPasswords && e.token ? { password: e.token.password } : {}),
      expiresAt: e.token?.expiresAt?.toISOString() ?? null,
      status: e.status,
      actions: e.actions.map(({ error, ...action }) => ({ ...action, ...(error ? { error } : {}) })),
      error: e.error ? { exitCode: e.error.exitCode, message: e.error.message } : null,
    })),
  };
  return JSON.stringify(json, null, 2);
}

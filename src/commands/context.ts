import type { Config } from '../config.ts';
import { Deadline } from '../deadline.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { type Agents, createAgents, loadCaBundle } from '../net.ts';
import { Redactor } from '../redact.ts';
import { exitCodeOf, renderJson, renderText, renderTokensText, type RunReport } from '../report.ts';
import { Ui, type Io } from '../ui.ts';

/** What every command is handed: settings, output, the redactor and the run's deadline. */
export interface RunContext {
  config: Config;
  ui: Ui;
  redactor: Redactor;
  deadline: Deadline;
  now: () => Date;
  /** Connection pools: AWS always verifies TLS; Rancher's may skip it with --insecure. */
  awsAgents: Agents;
  rancherAgents: Agents;
}

/** Secrets that exist before any call: registered first, so nothing can print them. */
const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];

export function createContext(config: Config, io: Io, now: () => Date = () => new Date()): RunContext {
  const redactor = new Redactor();
  for (const name of SECRET_ENV) redactor.add(io.env[name]);
  if (config.rancher) redactor.addPair(config.rancher.accessKey, config.rancher.secretKey);
  const ui = new Ui(io, redactor, config.logLevel);
  const ca = loadCaBundle(config.caFiles, io.env);
  const insecure = config.rancher?.insecure ?? false;
  if (insecure) ui.logger.warn('--insecure: TLS certificates of Rancher are not verified; anyone in the path can read the keys. Prefer --ca-cert FILE.');
  return {
    config,
    ui,
    redactor,
    deadline: new Deadline(config.timeoutMs),
    now,
    awsAgents: createAgents({ ca, insecure: false, logger: ui.logger }),
    rancherAgents: createAgents({ ca, insecure, logger: ui.logger }),
  };
}

export function closeContext(context: RunContext): void {
  context.deadline.stop();
  context.awsAgents.destroy();
  context.rancherAgents.destroy();
}

/** Prints the report in the chosen format and returns the run's exit code. */
export function finish(report: RunReport, context: RunContext, options: { revealPasswords?: boolean } = {}): ExitCodeValue {
  const { ui, config } = context;
  const revealPasswords = options.revealPasswords ?? false;
  if (config.output === 'json') {
    const json = renderJson(report, { revealPasswords });
    if (revealPasswords) ui.printSecret(json);
    else ui.print(json);
  } else if (report.command === 'show-token' && revealPasswords) {
    // Only the password, one per endpoint: ready for `docker login --password-stdin`.
    for (const endpoint of report.endpoints) if (endpoint.token) ui.printSecret(endpoint.token.password);
    for (const endpoint of report.endpoints) if (endpoint.error) ui.logger.error(endpoint.error.message);
  } else {
    const lines = report.command === 'show-token'
      ? renderTokensText(report, ui.color, context.now())
      : renderText(report, ui.color, { quiet: config.logLevel === 'error', now: context.now() });
    for (const line of lines) ui.print(line);
  }
  return exitCodeOf(report);
}

import type { Config } from '../config.ts';
import { Deadline } from '../deadline.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
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
}

/** Secrets that exist before any call: registered first, so nothing can print them. */
const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];

export function createContext(config: Config, io: Io, now: () => Date = () => new Date()): RunContext {
  const redactor = new Redactor();
  for (const name of SECRET_ENV) redactor.add(io.env[name]);
  if (config.rancher) redactor.addPair(config.rancher.accessKey, config.rancher.secretKey);
  return { config, ui: new Ui(io, redactor, config.logLevel), redactor, deadline: new Deadline(config.timeoutMs), now };
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

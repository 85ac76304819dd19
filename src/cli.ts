import { Command, CommanderError, Option } from 'commander';
import { type Flags, SETTINGS } from './config.ts';
import { CliError } from './errors.ts';
import { EXIT_CODE_TABLE, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import type { Io } from './ui.ts';

declare const __VERSION__: string | undefined;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

export type CommandName = 'sync' | 'dry-run' | 'show-token';
export type CommandFlags = Flags & { password?: boolean };

/** Runs one command; loaded only when a command runs, so --help never loads the AWS SDK or axios. */
export type CommandRunner = (command: CommandName, flags: CommandFlags, io: Io) => Promise<ExitCodeValue>;

const loadRunner: () => Promise<CommandRunner> = async () => (await import('./commands/run.ts')).runCommand;

export function exitCodesHelp(): string {
  return ['Exit codes:', ...EXIT_CODE_TABLE.map(({ code, meaning }) => `  ${code}  ${meaning}`)].join('\n');
}

function addSettings(command: Command, options: { rancher: boolean }): Command {
  for (const spec of SETTINGS) {
    if (spec.rancher && !options.rancher) continue;
    const env = spec.env.length > 0 ? `; env ${spec.env.join(', ')}` : '';
    const fallback = spec.defaultText ? `; default ${spec.defaultText}` : '';
    command.addOption(new Option(spec.flag, `${spec.description}${env}${fallback}`));
  }
  return command
    .option('-v, --verbose', 'debug logging on stderr (secrets stay masked)')
    .option('-q, --quiet', 'print only failures');
}

export function buildProgram(io: Io, run: (command: CommandName, flags: CommandFlags) => Promise<void>): Command {
  const program = new Command('rancher-ecr-credentials')
    .description('Fetch fresh Amazon ECR logins and write them into the matching Rancher registry credentials, once.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .configureHelp({ sortOptions: false })
    .addHelpText('after', `\n${exitCodesHelp()}\n\nRun it from cron, a CI step or a Kubernetes CronJob every few hours; ECR logins last 12 hours.`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Widths and colours from our streams, not process.stdout: the build renders help with them.
      getOutHelpWidth: () => (io.stdout.isTTY ? (io.stdout as { columns?: number }).columns : undefined) ?? 80,
      getErrHelpWidth: () => (io.stderr.isTTY ? (io.stderr as { columns?: number }).columns : undefined) ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      // Commander's two-line errors ("unknown option" + "Did you mean") become one line with the fix.
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    });

  const commands: Array<[CommandName, string, boolean]> = [
    ['sync', 'fetch the ECR login(s) and update the matching Rancher credentials', true],
    ['dry-run', 'everything sync does except writing: read Rancher and print the plan', true],
    ['show-token', 'fetch the ECR login(s) and print endpoint, username and expiry (password masked)', false],
  ];
  for (const [name, description, rancher] of commands) {
    const command = program.command(name).description(description).exitOverride();
    addSettings(command, { rancher });
    if (name === 'show-token') command.option('--password', 'print only the raw password, for docker login --password-stdin');
    command.action(async (flags: CommandFlags) => run(name, flags));
  }
  return program;
}

/** Parses argv and runs the command; every failure becomes an exit code here and nowhere else. */
export async function main(argv: readonly string[], io: Io, loadCommandRunner = loadRunner): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.Ok;
  const program = buildProgram(io, async (command, flags) => {
    const runCommand = await loadCommandRunner();
    exitCode = await runCommand(command, flags, io);
  });
  const debug = (io.env.LOG_LEVEL ?? '').toLowerCase() === 'debug' || argv.includes('--verbose') || argv.includes('-v');
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits of their own; everything else commander rejects is usage.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      if (debug && error.cause instanceof Error && error.cause.stack) io.stderr.write(`${error.cause.stack}\n`);
      return error.exitCode;
    }
    io.stderr.write(`error: unexpected internal error: ${error instanceof Error ? error.message : String(error)}; please report it with the output of --verbose\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return ExitCode.Internal;
  }
}


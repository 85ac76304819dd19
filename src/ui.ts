import { Chalk, type ChalkInstance } from 'chalk';
import type { LogLevel } from './config.ts';
import type { Redactor } from './redact.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** What a command may touch of the outside world; tests and the demo pass their own. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Env;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Colour only on a terminal, never with NO_COLOR; FORCE_COLOR wins for those who pipe into `less -R`. */
function colorsFor(stream: { isTTY?: boolean }, env: Env): ChalkInstance {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return new Chalk({ level: 0 });
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return new Chalk({ level: 1 });
  return new Chalk({ level: stream.isTTY && env.TERM !== 'dumb' ? 1 : 0 });
}

/**
 * The output contract: data and reports on stdout, logs on stderr, every line through the
 * redactor. `printSecret` is the single way around it, for `show-token --password`.
 */
export class Ui {
  readonly color: ChalkInstance;
  readonly logger: Logger;
  private readonly logColor: ChalkInstance;

  constructor(
    private readonly io: Io,
    private readonly redactor: Redactor,
    readonly level: LogLevel,
  ) {
    this.color = colorsFor(io.stdout, io.env);
    this.logColor = colorsFor(io.stderr, io.env);
    const c = this.logColor;
    const at = (lvl: LogLevel, prefix: string) => (message: string) => {
      if (RANK[lvl] >= RANK[this.level]) this.io.stderr.write(this.redactor.redact(`${prefix}${message}`) + '\n');
    };
    this.logger = {
      debug: at('debug', c.dim('debug: ')),
      info: at('info', ''),
      warn: at('warn', c.yellow('warning: ')),
      error: at('error', c.red('error: ')),
    };
  }

  print(text: string): void {
    this.io.stdout.write(this.redactor.redact(text) + '\n');
  }

  printSecret(text: string): void {
    this.io.stdout.write(text + '\n');
  }
}

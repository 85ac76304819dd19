import { CliError } from './errors.ts';

/** One overall deadline for the run (`--timeout`): every request and retry wait is bounded by it. */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly endsAt: number;

  constructor(readonly totalMs: number) {
    this.endsAt = Date.now() + totalMs;
    this.signal = AbortSignal.timeout(totalMs);
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  get expired(): boolean {
    return this.remainingMs() === 0;
  }

  /** The error for work not started or not finished in time; its exit code is the caller's. */
  exceeded(what: string, make: new (message: string) => CliError): CliError {
    return new make(`${what} did not finish within the ${Math.round(this.totalMs / 1000)} s deadline; raise --timeout if the network is slow`);
  }
}

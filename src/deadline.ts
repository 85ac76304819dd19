import type { CliError } from './errors.ts';

/**
 * One overall deadline for the run (`--timeout`): every request and retry wait is bounded by
 * it. `stop()` ends whatever is still in flight once the run has its answer, so no retry of a
 * leftover read keeps the process alive.
 */
export class Deadline {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private readonly endsAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly totalMs: number) {
    this.endsAt = Date.now() + totalMs;
    // unref: the deadline alone never keeps the process alive.
    this.timer = setTimeout(() => this.controller.abort(new DOMException('the run deadline passed', 'TimeoutError')), totalMs).unref();
  }

  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.endsAt - Date.now());
  }

  get expired(): boolean {
    return this.remainingMs() === 0;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.controller.abort();
  }

  /** The error for work not started or not finished in time; its exit code is the caller's. */
  exceeded(what: string, make: new (message: string) => CliError): CliError {
    return new make(`${what} did not finish within the ${Math.round(this.totalMs / 1000)} s deadline; raise --timeout if the network is slow`);
  }
}

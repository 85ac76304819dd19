import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/**
 * An expected failure: it carries its exit code and a one-line message that names the problem
 * and the fix. Only src/main.ts turns it into output and an exit code.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A missing or malformed setting, or a bad flag. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.Usage, message, options);
  }
}

/** AWS refused us, could not be reached, or returned something unusable. */
export class AwsError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.Aws, message, options);
  }
}

/** Rancher answered 401 or 403: the keys are wrong or lack access. Never retried. */
export class RancherAuthError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.RancherAuth, message, options);
  }
}

/** Rancher unreachable, failing after retries, or answering something that is not its API. */
export class RancherUnavailableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.RancherUnavailable, message, options);
  }
}

/** Rancher answered a well-formed API error (400/404/405/409/422…) to one request. */
export class RancherApiError extends RancherUnavailableError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

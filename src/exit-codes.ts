/** The documented exit codes: README, `--help` and the code all read this one table. */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Aws: 3,
  RancherAuth: 4,
  RancherUnavailable: 5,
  Partial: 6,
  NoMatch: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_TABLE: ReadonlyArray<{ code: ExitCodeValue; meaning: string }> = [
  { code: ExitCode.Ok, meaning: 'success: every ECR endpoint was handled' },
  { code: ExitCode.Internal, meaning: 'unexpected internal error (a bug: please report it)' },
  { code: ExitCode.Usage, meaning: 'usage or configuration error (missing or malformed setting, unknown flag)' },
  { code: ExitCode.Aws, meaning: 'AWS error: no credentials, access denied, ECR unreachable or a malformed token' },
  { code: ExitCode.RancherAuth, meaning: 'Rancher rejected the API keys (401/403)' },
  { code: ExitCode.RancherUnavailable, meaning: 'Rancher unreachable or failing after retries, or not answering as its API' },
  { code: ExitCode.Partial, meaning: 'partial: some endpoints were updated, some failed' },
  { code: ExitCode.NoMatch, meaning: 'no Rancher registry matches an ECR endpoint and --create was not given' },
];

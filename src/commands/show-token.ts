import { fetchTokens } from '../aws/ecr.ts';
import { UsageError } from '../errors.ts';
import type { EndpointResult, RunReport } from '../report.ts';
import type { RunContext } from './context.ts';

/** Fetches the ECR login(s) and reports them; a failure of every one ends the run with its own code. */
export async function fetchEndpoints(context: RunContext): Promise<EndpointResult[]> {
  const results = await fetchTokens(context.config.aws, {
    retries: context.config.retries,
    deadline: context.deadline,
    logger: context.ui.logger,
    redactor: context.redactor,
    agents: context.awsAgents,
  });
  // A configuration problem (no region) is the same for every account: stop as a usage error.
  const usage = results.find((r) => 'error' in r && r.error instanceof UsageError);
  if (usage && 'error' in usage) throw usage.error;
  return results.map((result): EndpointResult =>
    'token' in result
      ? { registryId: result.registryId, token: result.token, status: 'fetched', actions: [], error: undefined }
      : { registryId: result.registryId, token: undefined, status: 'failed', actions: [], error: result.error },
  );
}

export async function showToken(context: RunContext): Promise<RunReport> {
  return { command: 'show-token', rancher: undefined, endpoints: await fetchEndpoints(context) };
}

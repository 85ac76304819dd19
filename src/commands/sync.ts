import { CliError, errorMessage, RancherAuthError, RancherUnavailableError, UsageError } from '../errors.ts';
import { planHost, type PlanAction, type RegistryToken } from '../plan.ts';
import type { Login, RancherAdapter, RancherRegistry } from '../rancher/adapter.ts';
import { connectRancher } from '../rancher/connect.ts';
import type { ActionOutcome, EndpointResult, RunReport } from '../report.ts';
import type { RunContext } from './context.ts';
import { fetchEndpoints } from './show-token.ts';

export interface SyncOptions {
  /** Plan only: read Rancher, write nothing. */
  dryRun: boolean;
}

/**
 * config → tokens → plan → apply. Tokens and the Rancher connection are fetched at the same
 * time; each endpoint is then planned from one read of Rancher and applied on its own, so one
 * endpoint's failure leaves the others' outcome intact.
 */
export async function sync(context: RunContext, options: SyncOptions): Promise<RunReport> {
  const { config, ui, deadline } = context;
  const rancherSettings = config.rancher!;
  const connecting = connectRancher(rancherSettings, { retries: config.retries, deadline, logger: ui.logger, agents: context.rancherAgents });
  connecting.catch(() => undefined); // judged below, after the tokens
  const endpoints = await fetchEndpoints(context);
  const report: RunReport = { command: options.dryRun ? 'dry-run' : 'sync', rancher: undefined, endpoints };
  const pending = endpoints.filter((e): e is EndpointResult & { token: RegistryToken } => e.token !== undefined);
  if (pending.length === 0) return report;

  let adapter: RancherAdapter;
  let registries: RancherRegistry[];
  try {
    adapter = await connecting;
    report.rancher = adapter.description;
    ui.logger.debug(`connected to ${adapter.description}`);
    registries = await adapter.registriesFor([...new Set(pending.map((e) => e.token.host))]);
  } catch (error) {
    failAll(pending, error);
    return report;
  }

  for (const [index, endpoint] of pending.entries()) {
    const plan = planHost(endpoint.token.host, registries, { create: rancherSettings.create });
    endpoint.actions = plan.actions.map((action) => ({ ...action, status: 'planned' }));
    if (plan.actions.length === 0) {
      endpoint.status = 'no-match';
      continue;
    }
    if (options.dryRun) {
      endpoint.status = 'planned';
      continue;
    }
    try {
      await applyEndpoint(endpoint, adapter, registries, context);
    } catch (error) {
      // Wrong keys or a vanished server concern every endpoint still to come.
      failAll(pending.slice(index), error);
      break;
    }
  }
  return report;
}

function failAll(endpoints: EndpointResult[], error: unknown): void {
  // A setting found wrong only now (an account key without an environment) is still usage: exit 2 on stderr.
  if (!(error instanceof CliError) || error instanceof UsageError) throw error;
  for (const endpoint of endpoints) {
    endpoint.status = 'failed';
    endpoint.error = error;
    for (const action of endpoint.actions) {
      if (action.status === 'planned') Object.assign(action, { status: 'skipped', error: 'an earlier failure stopped the run' });
    }
  }
}

async function applyEndpoint(
  endpoint: EndpointResult & { token: RegistryToken },
  adapter: RancherAdapter,
  registries: RancherRegistry[],
  context: RunContext,
): Promise<void> {
  const login: Login = { username: endpoint.token.username, password: endpoint.token.password };
  for (let i = 0; i < endpoint.actions.length; i++) {
    const action = endpoint.actions[i]!;
    if (context.deadline.expired) {
      Object.assign(action, { status: 'skipped', error: 'the --timeout deadline passed first' });
      endpoint.error ??= context.deadline.exceeded('The sync', RancherUnavailableError);
      continue;
    }
    try {
      const replacement = await applyAction(action, adapter, registries, login);
      if (replacement) {
        // Someone created the registry first: update theirs instead, read fresh.
        endpoint.actions.splice(i, 1, ...replacement.map((a): ActionOutcome => ({ ...a, status: 'planned' })));
        i--;
      }
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      Object.assign(action, { status: 'failed', error: errorMessage(error) });
      endpoint.error ??= error;
      context.ui.logger.debug(`${action.kind} for ${endpoint.token.host} failed: ${errorMessage(error)}`);
      // Rejected keys concern every endpoint still to come: the caller stops the run.
      if (error instanceof RancherAuthError) throw error;
    }
  }
  const done = endpoint.actions.filter((a) => a.status === 'done');
  if (endpoint.error !== undefined) endpoint.status = 'failed';
  else endpoint.status = done.some((a) => a.kind !== 'update-credential') ? 'created' : 'updated';
}

/** Runs one action; returns the actions that replace a registry creation that lost a race. */
async function applyAction(
  action: ActionOutcome,
  adapter: RancherAdapter,
  registries: RancherRegistry[],
  login: Login,
): Promise<PlanAction[] | undefined> {
  const registryOf = (id: string) => registries.find((r) => r.id === id)!;
  switch (action.kind) {
    case 'update-credential': {
      const registry = registryOf(action.registryId);
      const credential = registry.credentials.find((c) => c.id === action.credentialId)!;
      await adapter.updateCredential(registry, credential, login);
      action.status = 'done';
      return undefined;
    }
    case 'create-credential': {
      const { credentialId } = await adapter.createCredential(registryOf(action.registryId), login);
      Object.assign(action, { status: 'done', credentialId });
      return undefined;
    }
    case 'create-registry': {
      const result = await adapter.createRegistry(action.host, login);
      if (result.kind === 'created') {
        Object.assign(action, { status: 'done', registryId: result.registryId, credentialId: result.credentialId });
        return undefined;
      }
      const fresh = await adapter.registriesFor([action.host]);
      registries.push(...fresh.filter((r) => !registries.some((known) => known.id === r.id)));
      return planHost(action.host, fresh, { create: false }).actions;
    }
  }
}

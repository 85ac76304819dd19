import { registryHost } from './hosts.ts';
import type { RancherRegistry } from './rancher/adapter.ts';

/** One ECR login, as fetched: what every later stage works from. */
export interface RegistryToken {
  /** The AWS account asked for, or undefined for the caller's own. */
  registryId: string | undefined;
  /** ECR's proxyEndpoint, e.g. https://123456789012.dkr.ecr.us-east-1.amazonaws.com */
  endpoint: string;
  host: string;
  username: string;
  password: string;
  expiresAt: Date | undefined;
}

export type PlanAction =
  | { kind: 'update-credential'; registryId: string; serverAddress: string; credentialId: string }
  | { kind: 'create-credential'; registryId: string; serverAddress: string }
  | { kind: 'create-registry'; host: string };

export interface EndpointPlan {
  host: string;
  /** Empty: no registry holds this host and --create was not given. */
  actions: PlanAction[];
}

/** Credentials that are, or are becoming, the ones Rancher pulls with. */
const LIVE_STATES = new Set(['active', 'activating', 'registering', 'requested', 'updating-active']);

/**
 * The plan for one host, a pure function of what Rancher holds: every matching registry gets its
 * live credentials updated (its inactive ones when it has no live one, a new one when it has none),
 * and a host with no registry gets one created only when asked. Never a delete.
 */
export function planHost(host: string, registries: readonly RancherRegistry[], options: { create: boolean }): EndpointPlan {
  const matching = registries.filter((registry) => registryHost(registry.serverAddress) === host);
  const actions: PlanAction[] = [];
  for (const registry of matching) {
    const live = registry.credentials.filter((c) => LIVE_STATES.has(c.state));
    const targets = live.length > 0 ? live : registry.credentials;
    if (targets.length === 0) {
      actions.push({ kind: 'create-credential', registryId: registry.id, serverAddress: registry.serverAddress });
    }
    for (const credential of targets) {
      actions.push({ kind: 'update-credential', registryId: registry.id, serverAddress: registry.serverAddress, credentialId: credential.id });
    }
  }
  if (matching.length === 0 && options.create) actions.push({ kind: 'create-registry', host });
  return { host, actions };
}

/**
 * What the planning core knows of Rancher, whatever its generation. Adapters (Cattle for 1.x,
 * v3 for 2.x) turn their API into these plain values and carry out the three writes.
 */
export interface Login {
  username: string;
  password: string;
}

export interface RancherCredential {
  id: string;
  state: string;
  username: string | null;
}

export interface RancherRegistry {
  id: string;
  /** As stored in Rancher: may carry a scheme, a trailing slash, a port or capitals. */
  serverAddress: string;
  state: string;
  credentials: RancherCredential[];
}

/** Expected outcomes of creating a registry are values, not exceptions. */
export type CreateRegistryResult =
  | { kind: 'created'; registryId: string; credentialId: string }
  /** Another run (or a person) created it first: the caller re-reads and updates instead. */
  | { kind: 'already-exists' };

export interface RancherAdapter {
  /** For messages: "Rancher v1.6.14 environment 1a5 (http://…/v2-beta/projects/1a5)". */
  readonly description: string;
  /** The live registries whose server address names one of these hosts, with their live credentials. */
  registriesFor(hosts: readonly string[]): Promise<RancherRegistry[]>;
  updateCredential(registry: RancherRegistry, credential: RancherCredential, login: Login): Promise<void>;
  createCredential(registry: RancherRegistry, login: Login): Promise<{ credentialId: string }>;
  createRegistry(host: string, login: Login): Promise<CreateRegistryResult>;
}

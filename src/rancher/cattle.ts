import { RancherApiError, RancherUnavailableError, UsageError } from '../errors.ts';
import { registryHost } from '../hosts.ts';
import type { Logger } from '../ui.ts';
import type { CreateRegistryResult, Login, RancherAdapter, RancherCredential, RancherRegistry } from './adapter.ts';
import type { JsonResponse, RancherHttp } from './http.ts';

/** The largest page Cattle serves (its code clamps `limit` to 3000): one request for most environments. */
const PAGE_SIZE = 3000;
/** A loop guard for servers whose `next` link never ends. */
const MAX_PAGES = 1000;
/**
 * The v1 API (and v2-beta up to Rancher 1.4) requires a non-empty email on credentials; later
 * versions ignore it. Sent when the credential has none, as the original updater did.
 */
const PLACEHOLDER_EMAIL = 'not-really@required.anymore';
const GONE_STATES = new Set(['removing', 'removed', 'purging', 'purged']);

type Resource = Record<string, unknown>;

const VERSION_PATH = /^(.*?\/(v1|v2-beta))(\/projects\/[^/]+)?\/*$/i;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function linkOf(resource: Resource, name: string): string | undefined {
  const links = resource.links;
  return links !== null && typeof links === 'object' ? str((links as Resource)[name]) : undefined;
}

function isLive(resource: Resource): boolean {
  return (resource.removed === null || resource.removed === undefined) && !GONE_STATES.has(str(resource.state) ?? '');
}

function notCattle(url: string, response: JsonResponse): RancherUnavailableError {
  return new RancherUnavailableError(`${url} answered as ${describeApi(response)}, not the Rancher 1.x (Cattle) API; give the environment's API URL, like http://rancher:8080/v2-beta/projects/1a5`);
}

function withQuery(url: string, params: Record<string, string>): string {
  const result = new URL(url);
  for (const [name, value] of Object.entries(params)) result.searchParams.set(name, value);
  return result.toString();
}

/** Names what answered, for the "this is not Cattle" message. */
function describeApi(response: JsonResponse): string {
  const type = str(response.body.type);
  if (type === 'apiRoot' || /\/v3\b/.test(response.headers['x-api-schemas'] ?? '')) return 'the Rancher 2.x v3 API';
  if (type !== undefined) return `a JSON '${type}' resource`;
  return 'JSON that is not a Rancher resource';
}

/**
 * Rancher 1.x (Cattle, API v1 or v2-beta): registries and registryCredentials of one environment.
 * Base URLs `…/v1`, `…/v2-beta` and `…/(v1|v2-beta)/projects/<id>` work with environment keys
 * and account keys; a bare `…/projects/<id>` is the project itself, so it is used as the prefix
 * of the collections rather than as a discovery document.
 */
export class CattleAdapter implements RancherAdapter {
  /** Self links and emails of the credentials last read, for writes through the resource's own link. */
  private readonly selfLinks = new Map<string, string>();
  private readonly emails = new Map<string, string>();
  /** The first read of the registry list, started while ECR is still being asked. */
  private prefetched: Promise<Resource[]> | undefined;

  private constructor(
    private readonly http: RancherHttp,
    private readonly registriesUrl: string,
    private readonly credentialsUrl: string,
    readonly description: string,
    private readonly logger: Logger,
  ) {}

  static async connect(http: RancherHttp, configured: URL, logger: Logger): Promise<CattleAdapter> {
    const adapter = await CattleAdapter.discover(http, configured, logger);
    // The list does not depend on the tokens (matching is ours), so it need not wait for them.
    adapter.prefetched = adapter.list(adapter.registriesUrl, 'registry', {});
    adapter.prefetched.catch(() => undefined); // awaited, and judged, in registriesFor
    return adapter;
  }

  private static async discover(http: RancherHttp, configured: URL, logger: Logger): Promise<CattleAdapter> {
    const base = configured.toString().replace(/\/+$/, '').replace(/\?.*$/, '');
    const match = VERSION_PATH.exec(new URL(base).pathname);
    if (match?.[3] !== undefined) {
      // A project URL: its collections hang below it; the first list call proves it is Cattle.
      return new CattleAdapter(http, `${base}/registries`, `${base}/registrycredentials`, `Rancher environment ${match[3].split('/')[2]} (${base})`, logger);
    }
    const versionBase = match ? base : await CattleAdapter.findVersionBase(http, base);
    const root = await http.get(versionBase);
    if (str(root.body.type) !== 'apiVersion' || root.headers['x-api-schemas'] === undefined) {
      throw notCattle(versionBase, root);
    }
    const kind = root.headers['x-api-account-kind'];
    if (kind === 'user' || kind === 'admin') {
      throw new UsageError(`The key is an account key, which sees no environment at ${versionBase}; add the environment to the URL (${versionBase}/projects/<id>) or use an environment API key`);
    }
    const registriesUrl = linkOf(root.body, 'registries') ?? `${versionBase}/registries`;
    const credentialsUrl = linkOf(root.body, 'registryCredentials') ?? linkOf(root.body, 'registrycredentials') ?? `${versionBase}/registrycredentials`;
    const version = root.headers['x-rancher-version'];
    const account = root.headers['x-api-account-id'];
    const description = `Rancher ${version ?? '1.x'}${account ? ` environment ${account}` : ''} (${versionBase})`;
    return new CattleAdapter(http, registriesUrl, credentialsUrl, description, logger);
  }

  /** A URL without an API version: Cattle's root names its schemas, and so its version, in a header. */
  private static async findVersionBase(http: RancherHttp, base: string): Promise<string> {
    const root = await http.get(base);
    const schemas = root.headers['x-api-schemas'];
    const versionBase = schemas === undefined ? undefined : new URL(schemas.replace(/\/schemas\/?$/, ''), base).toString().replace(/\/+$/, '');
    if (versionBase === undefined || !VERSION_PATH.test(new URL(versionBase).pathname)) {
      throw notCattle(base, root);
    }
    return versionBase;
  }

  async registriesFor(hosts: readonly string[]): Promise<RancherRegistry[]> {
    const wanted = new Set(hosts);
    // Cattle ignores a serverAddress filter and would answer with every registry, so match here.
    const rows = await (this.prefetched ?? this.list(this.registriesUrl, 'registry', {}));
    this.prefetched = undefined; // a second call (after losing a creation race) reads afresh
    const matched = rows.filter((row) => str(row.id) !== undefined && isLive(row) && wanted.has(registryHost(str(row.serverAddress) ?? '') ?? ''));
    const registries = await Promise.all(
      matched.map(async (row): Promise<RancherRegistry> => {
        const id = str(row.id)!;
        // registryId is a real column, so this filter is honoured; checked again here all the same.
        const credentialRows = await this.list(this.credentialsUrl, 'registryCredential', { registryId: id });
        const credentials = credentialRows
          .filter((c) => str(c.id) !== undefined && str(c.registryId) === id && isLive(c))
          .map((c): RancherCredential => {
            this.remember(c);
            return { id: str(c.id)!, state: str(c.state) ?? 'unknown', username: str(c.publicValue) ?? null };
          });
        return { id, serverAddress: str(row.serverAddress) ?? '', state: str(row.state) ?? 'unknown', credentials };
      }),
    );
    return registries;
  }

  async updateCredential(_registry: RancherRegistry, credential: RancherCredential, login: Login): Promise<void> {
    const self = this.selfLinks.get(credential.id) ?? `${this.credentialsUrl}/${credential.id}`;
    await this.http.put(self, {
      publicValue: login.username,
      secretValue: login.password,
      email: this.emails.get(credential.id) || PLACEHOLDER_EMAIL,
    });
  }

  async createCredential(registry: RancherRegistry, login: Login): Promise<{ credentialId: string }> {
    const created = await this.http.post(this.credentialsUrl, {
      registryId: registry.id,
      publicValue: login.username,
      secretValue: login.password,
      email: PLACEHOLDER_EMAIL,
    });
    return { credentialId: this.createdId(created, 'registryCredential') };
  }

  async createRegistry(host: string, login: Login): Promise<CreateRegistryResult> {
    let created: JsonResponse;
    try {
      // The bare host, as Rancher's UI asks for it.
      created = await this.http.post(this.registriesUrl, { serverAddress: host, name: host });
    } catch (error) {
      if (error instanceof RancherApiError && error.code === 'ServerAddressUsed') return { kind: 'already-exists' };
      throw error;
    }
    const registryId = this.createdId(created, 'registry');
    const registry: RancherRegistry = { id: registryId, serverAddress: host, state: str(created.body.state) ?? 'registering', credentials: [] };
    const { credentialId } = await this.createCredential(registry, login);
    return { kind: 'created', registryId, credentialId };
  }

  private createdId(response: JsonResponse, type: string): string {
    const id = str(response.body.id);
    if (id === undefined || str(response.body.type) !== type) {
      throw new RancherUnavailableError(`POST ${response.url} answered without a ${type} resource; the server does not behave like the Rancher 1.x API`);
    }
    return id;
  }

  private remember(credential: Resource): void {
    const id = str(credential.id)!;
    const self = linkOf(credential, 'self');
    if (self !== undefined) this.selfLinks.set(id, self);
    const email = str(credential.email);
    if (email) this.emails.set(id, email);
  }

  /** Every page of a collection, following `pagination.next`. */
  private async list(collectionUrl: string, resourceType: string, filters: Record<string, string>): Promise<Resource[]> {
    const rows: Resource[] = [];
    const seen = new Set<string>();
    let next: string | undefined = withQuery(collectionUrl, { ...filters, limit: String(PAGE_SIZE) });
    while (next !== undefined) {
      if (seen.has(next) || seen.size >= MAX_PAGES) {
        throw new RancherUnavailableError(`Rancher's pagination of ${collectionUrl} does not end (page ${next} again); the server is misbehaving`);
      }
      seen.add(next);
      const page = await this.http.get(next);
      const data = page.body.data;
      if (str(page.body.type) !== 'collection' || !Array.isArray(data)) {
        throw new RancherUnavailableError(`${next} answered as ${describeApi(page)}, not a Rancher 1.x collection of ${resourceType}; check --rancher-url`);
      }
      for (const row of data) if (row !== null && typeof row === 'object') rows.push(row as Resource);
      const pagination = page.body.pagination as Resource | null | undefined;
      next = str(pagination?.next) ?? undefined;
    }
    this.logger.debug(`read ${rows.length} ${resourceType} row(s) from ${collectionUrl}`);
    return rows;
  }
}

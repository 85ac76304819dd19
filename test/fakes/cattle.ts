/**
 * Fake Rancher 1.x "Cattle" API (`/v1` and `/v2-beta`) for tests: registries and registry credentials,
 * as specified in /work/shared/docs/rancher-api.md PART 1 and "What a faithful fake server must do" A.
 *
 * Faithful where clients can trip: environment vs account keys and project sub-contexts, read-only
 * schemas at an account key's root, gdapi validation order and error bodies, offset markers in
 * `pagination.next`, filters that ignore unknown parameters (`serverAddress` is not filterable),
 * `secretValue` readable only in POST responses, the v1 `email` rule, and states that transition
 * asynchronously. Where the Cattle source was read (rancher/cattle gdapi framework) it is followed,
 * quirks included; comments name the class.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError, FakeHttpServer, type Intercept, type RecordedRequest, type Reply, type RequestContext, type TlsOptions } from './rancher-common.ts';

export type { RecordedRequest } from './rancher-common.ts';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface CattleKey {
  accessKey: string;
  secretKey: string;
}

export interface FakeCattleOptions {
  /** Serve HTTPS instead of HTTP. */
  tls?: TlsOptions;
  /** New resources answer 'registering' and become 'active' this long after (0 = by the next request). Other transitions use the same delay. */
  activateAfterMs?: number;
  /** Default true: on /v1 a credential's `email` is required (POST) and must stay non-empty (PUT). */
  requireEmailOnV1?: boolean;
  /** Default false; true emulates Rancher <= 1.4, whose v2-beta still had the required `email`. */
  requireEmailOnV2Beta?: boolean;
  /** Default true; false = security off: requests without valid credentials are served as the admin account. */
  accessControl?: boolean;
  /** X-Rancher-Version header. Default 'v1.6.14'. */
  version?: string;
  /** Largest page served: Cattle's code clamps to 3000, its docs say 1000; lower it to test paging. Default 3000. */
  maxPageSize?: number;
}

export interface FakeCattle {
  /** Origin only, e.g. 'http://127.0.0.1:41234'. */
  url: string;
  /** Returns the project (environment) id, e.g. '1a5'. */
  addProject(name?: string): string;
  /** A key owned by one environment (account kind 'environment'). */
  addEnvironmentKey(projectId: string): CattleKey;
  /** A user account's key, member of these projects (account kind 'user'). `name` is an addition. */
  addAccountKey(projectIds: string[], name?: string): CattleKey;
  /** Seeds a registry directly (no validation, no transition); state defaults to 'active'. */
  addRegistry(projectId: string, serverAddress: string, fields?: { state?: string; name?: string; description?: string }): { id: string };
  /** Seeds a credential directly; state defaults to 'active'. */
  addCredential(
    projectId: string,
    registryId: string,
    fields: { publicValue: string; secretValue: string; email?: string; state?: string; name?: string },
  ): { id: string };
  /** Stored registries as the API renders them, minus links and actions. */
  registries(projectId: string, opts?: { includeRemoved?: boolean }): Array<Record<string, unknown>>;
  /** Stored credentials with the stored secretValue and email, for assertions. */
  credentials(projectId: string, opts?: { includeRemoved?: boolean }): Array<Record<string, unknown> & { secretValue: string | null }>;
  /** Every request in order, recorded before `intercept` runs. */
  requests: RecordedRequest[];
  /** Requests with method POST, PUT, DELETE or PATCH. */
  writes(): RecordedRequest[];
  /** Fault injection: called before normal handling; return true if it answered the request itself. */
  intercept: Intercept | undefined;
  /** Closes the server and all sockets. */
  close(): Promise<void>;
}

export async function startFakeCattle(options: FakeCattleOptions = {}): Promise<FakeCattle> {
  const fake = new CattleFake(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

type Version = 'v1' | 'v2-beta';
const VERSIONS: readonly Version[] = ['v1', 'v2-beta'];
type ResourceType = 'registry' | 'registryCredential';
/** Which schema set a request sees: project/environment (CRUD), user (read-only registries), admin. */
type Role = 'project' | 'user' | 'admin';

interface Account {
  num: number;
  id: string;
  kind: 'admin' | 'project' | 'user';
  name: string;
  uuid: string;
  created: Date;
  /** For users: ids of the projects they are a member of. */
  projects: Set<string>;
}

interface Key extends CattleKey {
  accountId: string;
  environment: boolean;
}

interface Row {
  type: ResourceType;
  num: number;
  accountId: string;
  name: string | null;
  description: string | null;
  state: string;
  /** A running process: the state it reaches at `at` (epoch ms). */
  pending: { to: string; at: number } | undefined;
  created: Date;
  removed: Date | null;
  removeTime: Date | null;
  uuid: string;
  serverAddress: string | null; // registry
  registryNum: number | null; // registryCredential
  publicValue: string | null;
  secretValue: string | null;
  email: string | null;
}

interface Scope {
  version: Version;
  origin: string;
  /** '' or '/projects/<id>': kept in every generated link (DefaultUrlBuilder.subContext). */
  subContext: string;
  role: Role;
  /** Whose rows are visible; null = every account (admin at the root). */
  accountId: string | null;
  /** Account that new rows belong to. */
  ownerId: string;
  /** Who authenticated: decides which projects are visible. */
  caller: Caller;
}

interface Caller {
  account: Account;
  key?: Key;
}

const ID_PREFIX: Record<ResourceType | 'account', string> = { registry: '1sp', registryCredential: '1c', account: '1a' };
const PLURAL: Record<ResourceType, string> = { registry: 'registries', registryCredential: 'registryCredentials' };
const BASE_TYPE: Record<ResourceType, string> = { registry: 'storagePool', registryCredential: 'credential' };

const STATES = ['requested', 'registering', 'activating', 'active', 'deactivating', 'inactive', 'updating-active', 'updating-inactive', 'removing', 'removed', 'purging', 'purged'];
const TRANSITIONING = new Set(['requested', 'registering', 'activating', 'deactivating', 'updating-active', 'updating-inactive', 'removing', 'purging']);

/** Default processes of storagePool and credential (doc §1.7). `to: null` = back to the starting state. */
const PROCESSES: Record<string, { from: string[]; via: (s: string) => string; to: string | null }> = {
  create: { from: ['requested'], via: () => 'registering', to: 'active' },
  activate: { from: ['inactive', 'registering'], via: () => 'activating', to: 'active' },
  deactivate: {
    from: ['requested', 'registering', 'active', 'activating', 'updating-active', 'updating-inactive'],
    via: () => 'deactivating',
    to: 'inactive',
  },
  remove: { from: ['requested', 'inactive', 'registering', 'updating-active', 'updating-inactive'], via: () => 'removing', to: 'removed' },
  purge: { from: ['removed'], via: () => 'purging', to: 'purged' },
  update: { from: ['inactive', 'active'], via: (s) => `updating-${s}`, to: null },
};

/** api/messages.properties: code (and message) when an error carries no code of its own. */
const STATUS_CODES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method not allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

const REALM = 'Basic realm="Enter API access key and secret key as username and password"';

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

interface FieldSpec {
  type: string;
  nullable?: boolean;
  required?: boolean;
  create?: boolean;
  update?: boolean;
  minLength?: number;
  options?: string[];
  /** Backed by a DB column, hence in collectionFilters (DefaultObjectMetaDataManager.postProcess). */
  filter?: boolean;
}

const HEAD_FIELDS: Record<string, FieldSpec> = {
  id: { type: 'string', filter: true },
  name: { type: 'string', nullable: true, create: true, update: true, filter: true },
  description: { type: 'string', nullable: true, create: true, update: true, filter: true },
  kind: { type: 'string', filter: true },
  accountId: { type: 'reference[account]', filter: true },
};
const TAIL_FIELDS: Record<string, FieldSpec> = {
  state: { type: 'enum', options: STATES, filter: true },
  transitioning: { type: 'enum', options: ['yes', 'no', 'error'] },
  transitioningMessage: { type: 'string', nullable: true },
  transitioningProgress: { type: 'int', nullable: true },
  created: { type: 'date', nullable: true, filter: true },
  removed: { type: 'date', nullable: true, filter: true },
  removeTime: { type: 'date', nullable: true, filter: true },
  uuid: { type: 'string', filter: true },
};
const REQUIRED_EMAIL: FieldSpec = { type: 'string', required: true, nullable: false, minLength: 1, create: true, update: true };

function fieldSpecs(type: ResourceType | 'project', version: Version, role: Role, o: Required<Omit<FakeCattleOptions, 'tls'>>): Record<string, FieldSpec> {
  let specs: Record<string, FieldSpec>;
  if (type === 'registry') {
    specs = {
      ...HEAD_FIELDS,
      // Stored in data.fields, not a column: hence not filterable (RegistryServerAddressFilter).
      serverAddress: { type: 'string', required: true, nullable: false, minLength: 1, create: true, update: false },
      ...TAIL_FIELDS,
      driverName: { type: 'string', nullable: true, filter: true },
      externalId: { type: 'string', nullable: true, filter: true },
      blockDevicePath: { type: 'string', nullable: true },
      volumeAccessMode: { type: 'string', nullable: true },
      volumeCapabilities: { type: 'array[string]', nullable: true },
    };
  } else if (type === 'registryCredential') {
    const email = version === 'v1' ? (o.requireEmailOnV1 ? REQUIRED_EMAIL : { ...REQUIRED_EMAIL, required: false, nullable: true, minLength: undefined }) : o.requireEmailOnV2Beta ? REQUIRED_EMAIL : undefined;
    specs = {
      ...HEAD_FIELDS,
      registryId: { type: 'reference[registry]', required: true, nullable: false, create: true, update: false, filter: true },
      publicValue: { type: 'string', nullable: true, create: true, update: true, filter: true },
      secretValue: { type: 'password', nullable: true, create: true, update: true },
      ...(email ? { email } : {}),
      ...TAIL_FIELDS,
    };
  } else {
    specs = { ...HEAD_FIELDS, ...TAIL_FIELDS };
    delete specs.accountId;
  }
  // user-auth.json grants "r" on registries: nothing creatable or updatable.
  return role === 'user' || type === 'project' ? Object.fromEntries(Object.entries(specs).map(([k, f]) => [k, { ...f, create: false, update: false }])) : specs;
}

/** Modifiers by field type (gdapi FieldType/ConditionType); ids and references are compared as parsed ids. */
function modifiers(name: string, f: FieldSpec): string[] {
  if (name === 'id' || f.type === 'enum' || f.type.startsWith('reference')) return ['eq', 'ne', 'null', 'notnull'];
  if (f.type === 'int' || f.type === 'date') return ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'null', 'notnull'];
  return ['eq', 'ne', 'prefix', 'like', 'notlike', ...(f.nullable ? ['null', 'notnull'] : [])];
}

function filtersOf(specs: Record<string, FieldSpec>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(specs).filter(([, f]) => f.filter).map(([name, f]) => [name, modifiers(name, f)]));
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Cattle stores DATETIME: whole seconds, so createdTS always ends in 000. */
function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

function formatDate(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/**
 * TypeIdFormatter.parseId: '1' + lowercase letters + number, the letters are NOT checked against the type
 * (so '1c5' names registry 5 too). Returns the numeric id, or undefined when Cattle could not use it.
 */
export function parseCattleId(id: string): number | undefined {
  const m = /^1[a-z]+!?(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

function invalid(code: string, fieldName: string): ApiError {
  // ValidationErrorImpl is returned as is: message and detail stay null.
  return new ApiError(422, code, { message: null, fieldName });
}

/** SQL LIKE with % and _ wildcards (and \ escapes), as jOOQ's like() sends it to the database. */
function sqlLike(value: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(value);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed %-escape then simply names nothing (404)
  }
}

/** DefaultUrlBuilder.fullUrlToAppendQueryString: request URL + query minus `removes` + '&' when non-empty. */
function urlWithout(ctx: RequestContext, ...removes: string[]): string {
  let q = ctx.rawQuery;
  for (const name of removes) q = q.replace(new RegExp(`&?${name}=[^&]*`, 'g'), '');
  return `${ctx.origin}${ctx.rawPath}?${q}${q.length > 0 ? '&' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

class CattleFake extends FakeHttpServer implements FakeCattle {
  private readonly opts: Required<Omit<FakeCattleOptions, 'tls'>>;
  private readonly accounts = new Map<number, Account>();
  private readonly keys = new Map<string, Key>();
  private readonly rows: Row[] = [];
  private nextAccount = 5; // 1a1 is the admin; a fresh 1.6 install's Default environment is 1a5
  private nextStoragePool = 1;
  private nextCredential = 1;
  private readonly admin: Account;

  constructor(options: FakeCattleOptions) {
    super(options.tls);
    this.opts = {
      activateAfterMs: options.activateAfterMs ?? 0,
      requireEmailOnV1: options.requireEmailOnV1 ?? true,
      requireEmailOnV2Beta: options.requireEmailOnV2Beta ?? false,
      accessControl: options.accessControl ?? true,
      version: options.version ?? 'v1.6.14',
      maxPageSize: options.maxPageSize ?? 3000,
    };
    this.admin = this.newAccount('admin', 'admin', 1);
  }

  // ----- seeding and inspection (test side) -----

  addProject(name = 'Default'): string {
    return this.newAccount('project', name).id;
  }

  addEnvironmentKey(projectId: string): CattleKey {
    const project = this.account(projectId);
    if (project?.kind !== 'project') throw new Error(`no project ${projectId}`);
    return this.newKey(project.id, true);
  }

  addAccountKey(projectIds: string[], name?: string): CattleKey {
    for (const id of projectIds) if (this.account(id)?.kind !== 'project') throw new Error(`no project ${id}`);
    const user = this.newAccount('user', name ?? 'user');
    if (name === undefined) user.name = `user${user.num}`;
    for (const id of projectIds) user.projects.add(id);
    return this.newKey(user.id, false);
  }

  addRegistry(projectId: string, serverAddress: string, fields: { state?: string; name?: string; description?: string } = {}): { id: string } {
    if (this.account(projectId)?.kind !== 'project') throw new Error(`no project ${projectId}`);
    const row = this.newRow('registry', projectId, fields.state ?? 'active');
    Object.assign(row, { serverAddress, name: fields.name ?? null, description: fields.description ?? null });
    return { id: this.formatId(row) };
  }

  addCredential(
    projectId: string,
    registryId: string,
    fields: { publicValue: string; secretValue: string; email?: string; state?: string; name?: string },
  ): { id: string } {
    const num = parseCattleId(registryId);
    if (!this.rows.some((r) => r.type === 'registry' && r.num === num && r.accountId === projectId)) throw new Error(`no registry ${registryId} in ${projectId}`);
    const row = this.newRow('registryCredential', projectId, fields.state ?? 'active');
    Object.assign(row, { registryNum: num, publicValue: fields.publicValue, secretValue: fields.secretValue, email: fields.email ?? null, name: fields.name ?? null });
    return { id: this.formatId(row) };
  }

  registries(projectId: string, opts: { includeRemoved?: boolean } = {}): Array<Record<string, unknown>> {
    return this.stored('registry', projectId, opts).map((r) => ({ id: this.formatId(r), type: r.type, baseType: BASE_TYPE[r.type], ...this.fields(r, { email: true, secret: true }) }));
  }

  credentials(projectId: string, opts: { includeRemoved?: boolean } = {}): Array<Record<string, unknown> & { secretValue: string | null }> {
    return this.stored('registryCredential', projectId, opts).map((r) => ({
      id: this.formatId(r),
      type: r.type,
      baseType: BASE_TYPE[r.type],
      ...this.fields(r, { email: true, secret: true }),
      secretValue: r.secretValue,
    }));
  }

  private stored(type: ResourceType, projectId: string, opts: { includeRemoved?: boolean }): Row[] {
    this.tick();
    return this.rows.filter((r) => r.type === type && r.accountId === projectId && (opts.includeRemoved || r.removed === null));
  }

  private newAccount(kind: Account['kind'], name: string, num = this.nextAccount++): Account {
    const account: Account = { num, id: `${ID_PREFIX.account}${num}`, kind, name, uuid: randomUUID(), created: nowSeconds(), projects: new Set() };
    this.accounts.set(num, account);
    return account;
  }

  private newKey(accountId: string, environment: boolean): CattleKey {
    // API keys are rows of the credential table too, so they use up 1c ids like real Rancher does.
    this.nextCredential++;
    const key: Key = { accessKey: randomBytes(10).toString('hex').toUpperCase(), secretKey: randomBytes(20).toString('hex'), accountId, environment };
    this.keys.set(key.accessKey, key);
    return { accessKey: key.accessKey, secretKey: key.secretKey };
  }

  private newRow(type: ResourceType, accountId: string, state: string): Row {
    const num = type === 'registry' ? this.nextStoragePool++ : this.nextCredential++;
    const created = nowSeconds();
    const gone = ['removed', 'purging', 'purged'].includes(state);
    const row: Row = {
      type, num, accountId, name: null, description: null, state, pending: undefined, created,
      removed: gone ? created : null, removeTime: gone ? created : null, uuid: randomUUID(),
      serverAddress: null, registryNum: null, publicValue: null, secretValue: null, email: null,
    };
    this.rows.push(row);
    return row;
  }

  private account(id: string): Account | undefined {
    const num = parseCattleId(id);
    return num === undefined ? undefined : this.accounts.get(num);
  }

  private formatId(row: Row): string {
    return `${ID_PREFIX[row.type]}${row.num}`;
  }

  // ----- state machine -----

  /** Finishes every process whose time has come; called on each request, so delay 0 means "by the next request". */
  private tick(): void {
    const now = Date.now();
    for (const row of this.rows) {
      if (!row.pending || row.pending.at > now) continue;
      row.state = row.pending.to;
      row.pending = undefined;
      if (row.state === 'removed') row.removed = row.removeTime = nowSeconds();
    }
  }

  private start(row: Row, process: string): void {
    const p = PROCESSES[process]!;
    const to = p.to ?? row.state;
    row.state = p.via(row.state);
    row.pending = { to, at: Date.now() + this.opts.activateAfterMs };
    // Removing a registry removes its credentials (test_deleting_registry_deletes_credentials).
    if (process === 'remove' && row.type === 'registry') {
      for (const c of this.rows) {
        if (c.type === 'registryCredential' && c.registryNum === row.num && c.removed === null && c.pending?.to !== 'removed') {
          c.state = 'removing';
          c.pending = { to: 'removed', at: row.pending.at };
        }
      }
    }
  }

  private availableActions(row: Row, role: Role): string[] {
    if (role === 'user') return [];
    return ['update', 'activate', 'deactivate', 'remove', 'purge'].filter((a) => PROCESSES[a]!.from.includes(row.state));
  }

  // ----- rendering -----

  private link(scope: Scope, ...parts: string[]): string {
    // DefaultUrlBuilder.constructBasicUrl lower-cases the whole URL.
    return `${scope.origin}/${scope.version}${scope.subContext}/${parts.join('/')}`.toLowerCase();
  }

  private fields(row: Row, show: { email: boolean; secret: boolean }): Record<string, unknown> {
    const dates = (name: 'created' | 'removed' | 'removeTime'): Record<string, unknown> => {
      const d = row[name];
      // WrappedResource adds <field>TS only for non-null dates.
      return d ? { [name]: formatDate(d), [`${name}TS`]: d.getTime() } : { [name]: null };
    };
    const transitioning = TRANSITIONING.has(row.state);
    const specific =
      row.type === 'registry'
        ? { serverAddress: row.serverAddress }
        : {
            registryId: row.registryNum === null ? null : `${ID_PREFIX.registry}${row.registryNum}`,
            publicValue: row.publicValue,
            secretValue: show.secret ? row.secretValue : null,
            ...(show.email ? { email: row.email } : {}),
          };
    return {
      name: row.name,
      description: row.description,
      kind: row.type,
      accountId: row.accountId,
      ...specific,
      state: row.state,
      transitioning: transitioning ? 'yes' : 'no',
      transitioningMessage: transitioning ? 'In Progress' : null,
      transitioningProgress: null,
      ...dates('created'),
      ...dates('removed'),
      ...dates('removeTime'),
      uuid: row.uuid,
      ...(row.type === 'registry'
        ? { driverName: null, externalId: null, blockDevicePath: null, volumeAccessMode: null, volumeCapabilities: null }
        : {}),
    };
  }

  /** A resource as the API renders it. `secretValue` is read-on-create-only: shown for POST (create or action) only. */
  private render(row: Row, scope: Scope, method: string): Record<string, unknown> {
    const id = this.formatId(row);
    const self = this.link(scope, PLURAL[row.type], id);
    const links: Record<string, string> = { self, account: `${self}/account` };
    if (row.type === 'registry') links.credentials = `${self}/credentials`;
    else if (row.registryNum !== null) links.registry = `${self}/registry`;
    const actions = Object.fromEntries(this.availableActions(row, scope.role).map((a) => [a, `${self}/?action=${a}`]));
    const email = this.hasEmail(scope.version);
    return { id, type: row.type, baseType: BASE_TYPE[row.type], links, actions, ...this.fields(row, { email, secret: method === 'POST' }) };
  }

  private renderProject(p: Account, scope: Scope): Record<string, unknown> {
    return {
      id: p.id, type: 'project', baseType: 'account', links: { self: this.link(scope, 'projects', p.id) }, actions: {},
      name: p.name, description: null, kind: 'project', state: 'active', transitioning: 'no', transitioningMessage: null,
      transitioningProgress: null, created: formatDate(p.created), createdTS: p.created.getTime(), removed: null, removeTime: null, uuid: p.uuid,
    };
  }

  private hasEmail(version: Version): boolean {
    return version === 'v1' || this.opts.requireEmailOnV2Beta;
  }

  private schemaDefs(scope: Scope): Array<Record<string, unknown>> {
    const crud = scope.role !== 'user';
    const def = (id: string, pluralName: string, resourceMethods: string[], collectionMethods: string[], extra: Record<string, unknown> = {}) => ({
      id, type: 'schema',
      links: { self: this.link(scope, 'schemas', id), ...(collectionMethods.includes('GET') ? { collection: this.link(scope, pluralName) } : {}) },
      actions: {}, pluralName, resourceMethods, collectionMethods, resourceFields: {}, resourceActions: {}, collectionActions: {},
      collectionFields: {}, collectionFilters: {}, includeableLinks: [], parent: null, children: [], ...extra,
    });
    const typed = (type: ResourceType | 'project', resourceMethods: string[], collectionMethods: string[], parent: string | null, output: string) => {
      const specs = fieldSpecs(type, scope.version, scope.role, this.opts);
      const resourceFields = Object.fromEntries(Object.entries(specs).map(([name, f]) => {
        const { filter: _filter, ...attrs } = f;
        return [name, { ...attrs, nullable: f.nullable ?? false, create: f.create ?? false, update: f.update ?? false, required: f.required ?? false }];
      }));
      const actions = type !== 'project' && crud ? Object.fromEntries(['activate', 'create', 'deactivate', 'purge', 'remove', 'update'].map((a) => [a, { input: null, output }])) : {};
      const collectionFilters = Object.fromEntries(Object.entries(filtersOf(specs)).map(([k, m]) => [k, { modifiers: m }]));
      const plural = type === 'project' ? 'projects' : PLURAL[type];
      return def(type, plural, resourceMethods, collectionMethods, { resourceFields, resourceActions: actions, collectionFilters, parent });
    };
    return [
      def('apiVersion', 'apiVersions', ['GET'], []),
      def('collection', 'collections', ['GET'], []),
      def('error', 'errors', [], []),
      typed('project', ['GET'], ['GET'], 'account', 'project'),
      typed('registry', crud ? ['GET', 'PUT', 'DELETE'] : ['GET'], crud ? ['GET', 'POST'] : ['GET'], 'storagePool', 'storagePool'),
      typed('registryCredential', crud ? ['GET', 'PUT', 'DELETE'] : ['GET'], crud ? ['GET', 'POST'] : ['GET'], 'credential', 'credential'),
      def('schema', 'schemas', ['GET'], ['GET']),
    ];
  }

  protected override renderError(_ctx: RequestContext, err: ApiError): Reply {
    const code = err.code ?? STATUS_CODES[err.status] ?? String(err.status);
    return {
      status: err.status,
      body: {
        id: randomUUID(), type: 'error', baseType: 'error', links: {}, actions: {}, status: err.status, code,
        // ExceptionHandler.populateError: a missing message becomes the code; validation errors keep null.
        message: err.apiMessage === undefined ? code : err.apiMessage,
        detail: err.detail,
        ...(err.fieldName !== undefined ? { fieldName: err.fieldName } : {}),
      },
    };
  }

  // ----- request handling -----

  /**
   * ApiRequestParser: /<ver>/projects/<id>/<type>... (more than 4 parts) is the project's sub-context;
   * /<ver>/projects/<id> alone stays the project resource.
   */
  private route(ctx: RequestContext) {
    const segments = ctx.url.pathname.split('/').filter((s) => s !== '').map(decodeSegment);
    const version = VERSIONS.find((v) => v === segments[0]);
    const pathProject = version && segments.length >= 4 && segments[1]!.toLowerCase() === 'projects' ? segments[2] : undefined;
    return { segments, version, pathProject, rest: segments.slice(pathProject ? 3 : 1), subContext: pathProject ? `/projects/${pathProject}` : '' };
  }

  /** Headers set before authentication (ApiRequestFilter), so errors of every kind carry them. */
  protected override prepare(ctx: RequestContext): void {
    const { version, subContext } = this.route(ctx);
    Object.assign(ctx.headers, {
      'X-API-Schemas': `${ctx.origin}/${version ?? 'v1'}${subContext}/schemas`.toLowerCase(),
      'X-Rancher-Version': this.opts.version,
      'X-API-Client-IP': ctx.req.socket.remoteAddress ?? '',
      'Set-Cookie': 'PL=rancher;Path=/',
    });
  }

  protected override handle(ctx: RequestContext): Reply {
    this.tick();
    const { segments, version, pathProject, rest, subContext } = this.route(ctx);
    const scope = this.authorize(ctx, version ?? 'v1', subContext, pathProject);
    if (segments.length === 0) return this.get(ctx, () => this.versions(ctx));
    if (!version || rest.length > 3) throw new ApiError(404);
    if (rest.length === 0) return this.get(ctx, () => this.versionRoot(scope));

    const [typeSegment, id, link] = rest as [string, string | undefined, string | undefined];
    const type = this.resolveType(typeSegment);
    if (type === 'schema') return this.get(ctx, () => this.schemas(scope, id, link));
    if (type === 'project') return this.get(ctx, () => this.projects(ctx, scope, id, link));
    if (type === undefined) throw new ApiError(404);
    return this.resource(ctx, scope, type, id, link);
  }

  /** SchemaFactoryImpl indexes lower-case ids and plurals, so any case and singular or plural work. */
  private resolveType(segment: string): ResourceType | 'schema' | 'project' | undefined {
    const names: Record<string, ResourceType | 'schema' | 'project'> = {
      registry: 'registry', registries: 'registry', registrycredential: 'registryCredential', registrycredentials: 'registryCredential',
      schema: 'schema', schemas: 'schema', project: 'project', projects: 'project',
    };
    return names[segment.toLowerCase()];
  }

  private get(ctx: RequestContext, body: () => unknown): Reply {
    if (ctx.method !== 'GET') throw new ApiError(405);
    return { status: 200, body: body() };
  }

  /** ApiAuthenticator + BasicAuthImpl: resolve the key, then the requested project (path, header, then ?projectId). */
  private authorize(ctx: RequestContext, version: Version, subContext: string, pathProject: string | undefined): Scope {
    const who = this.authenticate(ctx);
    const header = ctx.req.headers['x-api-project-id'];
    const requested = pathProject || (typeof header === 'string' && header) || ctx.url.searchParams.get('projectId') || undefined;
    const environment = who.key?.environment ?? false;
    let effective = who.account;
    let role: Role = environment ? 'project' : who.account.kind === 'user' ? 'user' : who.account.kind === 'admin' ? 'admin' : 'project';
    if (requested !== undefined) {
      const num = parseCattleId(requested);
      if (num === undefined) throw new ApiError(400, 'InvalidFormat', { message: `projectId header format is incorrect ${requested}` });
      const project = this.accounts.get(num);
      if (project?.kind !== 'project' || !this.canUse(who, project)) throw new ApiError(403);
      effective = project;
      role = 'project';
    }
    Object.assign(ctx.headers, {
      'X-API-ACCOUNT-ID': effective.id,
      'X-API-USER-ID': who.account.id,
      'X-API-ACCOUNT-KIND': environment ? 'environment' : effective.kind,
      'X-API-ACCOUNT-NAME': effective.name,
    });
    ctx.record.authorized = true;
    return {
      version, origin: ctx.origin, subContext, role,
      accountId: role === 'admin' ? null : effective.id,
      ownerId: effective.id,
      caller: who,
    };
  }

  /** The admin reaches every project, an environment key only its own, a user its memberships. */
  private canUse(caller: Caller, project: Account): boolean {
    if (caller.account.kind === 'admin') return true;
    return caller.key?.environment ? caller.account.id === project.id : caller.account.projects.has(project.id);
  }

  private authenticate(ctx: RequestContext): Caller {
    const m = /^basic\s+(\S+)/i.exec(ctx.req.headers.authorization?.trim() ?? '');
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const key = colon < 0 ? undefined : this.keys.get(decoded.slice(0, colon));
      const account = key ? this.account(key.accountId) : undefined;
      if (key && account && key.secretKey === decoded.slice(colon + 1)) return { account, key };
    }
    // AdminAuthLookUp: with security off, anything unauthenticated is the admin.
    if (!this.opts.accessControl && ctx.req.headers['x-enforce-authentication'] !== 'true') return { account: this.admin };
    const noChallenge = ctx.req.headers['x-api-no-challenge'] === 'true' || ctx.req.headers.connection?.toLowerCase() === 'upgrade';
    throw new ApiError(401, undefined, { headers: noChallenge ? {} : { 'WWW-Authenticate': REALM } });
  }

  private versions(ctx: RequestContext): unknown {
    return {
      type: 'collection', resourceType: 'apiVersion',
      links: { self: `${ctx.origin}${ctx.rawPath}`, latest: `${ctx.origin}/v2-beta` },
      createTypes: {}, actions: {},
      data: VERSIONS.map((v) => ({ id: v, type: 'apiVersion', links: { self: `${ctx.origin}/${v}` }, actions: {} })),
      sortLinks: {}, pagination: null, sort: null, filters: {}, createDefaults: {},
    };
  }

  /** VersionHandler: links keyed by pluralName for every listable schema. */
  private versionRoot(scope: Scope): unknown {
    const links: Record<string, string> = { self: `${scope.origin}/${scope.version}` };
    for (const s of this.schemaDefs(scope)) {
      if ((s.collectionMethods as string[]).includes('GET')) links[s.pluralName as string] = this.link(scope, s.pluralName as string);
    }
    return { id: scope.version, type: 'apiVersion', links, actions: {} };
  }

  private schemas(scope: Scope, id: string | undefined, link: string | undefined): unknown {
    const defs = this.schemaDefs(scope);
    if (id === undefined) {
      return {
        type: 'collection', resourceType: 'schema', links: { self: this.link(scope, 'schemas') }, createTypes: {}, actions: {},
        data: defs, sortLinks: {}, pagination: null, sort: null, filters: {}, createDefaults: {},
      };
    }
    const wanted = id.toLowerCase();
    const found = defs.find((s) => (s.id as string).toLowerCase() === wanted || (s.pluralName as string).toLowerCase() === wanted);
    if (!found || link !== undefined) throw new ApiError(404);
    return found;
  }

  /** Projects the caller can see: all for the admin, its own for an environment key, memberships for a user. */
  private projects(ctx: RequestContext, scope: Scope, id: string | undefined, link: string | undefined): unknown {
    const visible = [...this.accounts.values()].filter((a) => a.kind === 'project' && this.canUse(scope.caller, a));
    if (id === undefined) {
      const specs = fieldSpecs('project', scope.version, scope.role, this.opts);
      const columns = (p: Account): Record<string, unknown> => ({
        id: p.num, name: p.name, description: null, kind: 'project', state: 'active', created: p.created, removed: null, removeTime: null, uuid: p.uuid,
      });
      return this.collection(ctx, 'project', visible, columns, filtersOf(specs), (p) => this.renderProject(p, scope));
    }
    const num = parseCattleId(id);
    const project = visible.find((p) => p.num === num);
    if (!project || link !== undefined) throw new ApiError(404);
    return this.renderProject(project, scope);
  }

  /** registry / registryCredential, in the order gdapi's ValidationHandler checks things: id, action, method, body. */
  private resource(ctx: RequestContext, scope: Scope, type: ResourceType, id: string | undefined, link: string | undefined): Reply {
    const specs = fieldSpecs(type, scope.version, scope.role, this.opts);
    const crud = scope.role !== 'user';
    const num = id === undefined ? undefined : parseCattleId(id);
    if (id !== undefined && num === undefined) throw new ApiError(404);

    const action = ctx.method === 'POST' ? ctx.url.searchParams.get('action') : null;
    if (action !== null) {
      if (num === undefined || !crud || !(action in PROCESSES) || action === 'create') throw invalid('InvalidAction', 'action');
      const row = this.visible(scope, type, num);
      if (!row) throw new ApiError(404);
      if (!this.availableActions(row, scope.role).includes(action)) throw invalid('ActionNotAvailable', 'action');
      this.start(row, action);
      return { status: 202, body: this.render(row, scope, 'POST') };
    }

    const allowed = num === undefined ? (crud ? ['GET', 'POST'] : ['GET']) : crud ? ['GET', 'PUT', 'DELETE'] : ['GET'];
    if (!allowed.includes(ctx.method)) throw new ApiError(405);

    if (num === undefined) {
      if (ctx.method === 'GET') return { status: 200, body: this.list(ctx, scope, type, specs) };
      return this.create(ctx, scope, type, specs);
    }
    if (link !== undefined) {
      if (ctx.method !== 'GET') throw new ApiError(404);
      return { status: 200, body: this.followLink(ctx, scope, type, num, link) };
    }
    if (ctx.method === 'PUT') {
      const changes = this.validate(specs, this.input(ctx), false, scope);
      const row = this.visible(scope, type, num);
      if (!row) throw new ApiError(404);
      this.assign(row, changes);
      return { status: 200, body: this.render(row, scope, 'PUT') };
    }
    const row = this.visible(scope, type, num);
    if (!row) throw new ApiError(404);
    if (ctx.method === 'GET') return { status: 200, body: this.render(row, scope, 'GET') };
    // DELETE runs the remove process, which refuses from 'active' (deactivate first) -> 405.
    if (!['removing', 'removed'].includes(row.state)) {
      if (!PROCESSES.remove!.from.includes(row.state)) throw new ApiError(405);
      this.start(row, 'remove');
    }
    return { status: 200, body: this.render(row, scope, 'DELETE') };
  }

  /** A row by id within the scope; removed rows are still found by id. */
  private visible(scope: Scope, type: ResourceType, num: number): Row | undefined {
    return this.rows.find((r) => r.type === type && r.num === num && (scope.accountId === null || r.accountId === scope.accountId));
  }

  private followLink(ctx: RequestContext, scope: Scope, type: ResourceType, num: number, link: string): unknown {
    const row = this.visible(scope, type, num);
    if (!row) throw new ApiError(404);
    const name = link.toLowerCase();
    if (name === 'account') {
      const account = this.account(row.accountId);
      if (account?.kind !== 'project') throw new ApiError(404);
      return this.renderProject(account, scope);
    }
    if (type === 'registry' && name === 'credentials') {
      const specs = fieldSpecs('registryCredential', scope.version, scope.role, this.opts);
      return this.list(ctx, scope, 'registryCredential', specs, (c) => c.registryNum === row.num);
    }
    if (type === 'registryCredential' && name === 'registry' && row.registryNum !== null) {
      const registry = this.visible(scope, 'registry', row.registryNum);
      if (registry) return this.render(registry, scope, 'GET');
    }
    throw new ApiError(404);
  }

  /** BodyParserRequestHandler: query parameters merged under the JSON object; unparsable JSON -> 400. */
  private input(ctx: RequestContext): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const key of new Set(ctx.url.searchParams.keys())) {
      const all = ctx.url.searchParams.getAll(key);
      input[key] = all.length === 1 ? all[0] : all;
    }
    if (ctx.rawBody.trim() === '') return input;
    let parsed: unknown;
    try {
      parsed = JSON.parse(ctx.rawBody);
    } catch {
      throw new ApiError(400, 'InvalidBodyContent');
    }
    // Non-object JSON (null, a string, an array) contributes nothing, as in Cattle.
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(input, parsed);
    return input;
  }

  /** ValidationHandler.validateRawOperationField: unknown and non-writable fields are silently dropped. */
  private validate(specs: Record<string, FieldSpec>, input: Record<string, unknown>, create: boolean, scope: Scope): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(input)) {
      const f = specs[name];
      if (!f || !(create ? f.create : f.update)) continue;
      let value: unknown = raw;
      if (raw !== null && f.type.startsWith('reference')) {
        const num = parseCattleId(String(raw));
        if (num === undefined || !this.visible(scope, 'registry', num)) throw invalid('InvalidReference', name);
        value = num;
      } else if (raw !== null) {
        if (typeof raw === 'object') throw invalid('InvalidFormat', name);
        value = String(raw); // ConvertUtils turns numbers and booleans into strings
      }
      if (value === null && !f.nullable) throw invalid('NotNullable', name);
      if (typeof value === 'string' && f.minLength !== undefined && value.length < f.minLength) throw invalid('MinLengthExceeded', name);
      out[name] = value;
    }
    if (create) {
      for (const [name, f] of Object.entries(specs)) {
        if (f.create && f.required && !(name in out)) throw invalid('MissingRequired', name);
      }
    }
    return out;
  }

  /** Copies validated API fields onto a row (only writable fields ever get here). */
  private assign(row: Row, values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (name === 'registryId') row.registryNum = value as number;
      else if (name === 'serverAddress') row.serverAddress = value as string;
      else if (name === 'name' || name === 'description' || name === 'publicValue' || name === 'secretValue' || name === 'email') row[name] = value as string | null;
    }
  }

  private create(ctx: RequestContext, scope: Scope, type: ResourceType, specs: Record<string, FieldSpec>): Reply {
    const values = this.validate(specs, this.input(ctx), true, scope);
    if (type === 'registry') {
      // RegistryServerAddressFilter: same account, not removed, case-insensitive.
      const address = String(values.serverAddress).toLowerCase();
      const taken = this.rows.some(
        (r) => r.type === 'registry' && r.accountId === scope.ownerId && r.removed === null && r.state !== 'removed' && r.serverAddress?.toLowerCase() === address,
      );
      if (taken) throw new ApiError(400, 'ServerAddressUsed');
    }
    const row = this.newRow(type, scope.ownerId, 'requested');
    this.assign(row, values);
    this.start(row, 'create');
    return { status: 201, body: this.render(row, scope, 'POST') };
  }

  private list(ctx: RequestContext, scope: Scope, type: ResourceType, specs: Record<string, FieldSpec>, extra?: (r: Row) => boolean): unknown {
    // ?_removed (any value) also lists removed rows; otherwise they are hidden.
    const showRemoved = ctx.url.searchParams.has('_removed');
    const rows = this.rows.filter(
      (r) =>
        r.type === type &&
        (scope.accountId === null || r.accountId === scope.accountId) &&
        (showRemoved || r.removed === null) &&
        (extra?.(r) ?? true),
    );
    const columns = (r: Row): Record<string, unknown> => ({
      id: r.num, name: r.name, description: r.description, kind: r.type, accountId: parseCattleId(r.accountId), state: r.state,
      created: r.created, removed: r.removed, removeTime: r.removeTime, uuid: r.uuid, driverName: null, externalId: null,
      registryId: r.registryNum, publicValue: r.publicValue,
    });
    return this.collection(ctx, type, rows, columns, filtersOf(specs), (r) => this.render(r, scope, 'GET'));
  }

  /**
   * A collection as gdapi builds it (AbstractBaseResourceManager.createCollection, ParseCollectionAttributes,
   * AbstractJooqResourceManager): filters on column-backed fields, optional sort, offset markers, no total.
   */
  private collection<T>(
    ctx: RequestContext,
    resourceType: string,
    items: T[],
    columns: (item: T) => Record<string, unknown>,
    filters: Record<string, string[]>,
    render: (item: T) => unknown,
  ): unknown {
    const params = ctx.url.searchParams;
    // <field>[_<modifier>]=<value>, split at the last '_'; unknown fields or modifiers are ignored.
    const conditions = new Map<string, Array<{ modifier: string; value: string }>>();
    for (const key of new Set(params.keys())) {
      const at = key.lastIndexOf('_');
      const [name, modifier] = at < 0 ? [key, 'eq'] : [key.slice(0, at), key.slice(at + 1)];
      if (!filters[name]?.includes(modifier)) continue;
      const isId = name === 'id' || name === 'accountId' || name === 'registryId';
      // References are parsed to internal ids; unparsable ones become -1 and match nothing.
      const values = params.getAll(key).map((v) => (isId ? String(parseCattleId(v) ?? -1) : v));
      conditions.set(name, values.map((value) => ({ modifier, value })));
    }
    let rows = items.map((item) => ({ item, col: columns(item) }));
    for (const [name, conds] of conditions) {
      rows = rows.filter(({ col }) => conds.every((c) => matches(col[name], c.modifier, c.value)));
    }

    const sortName = params.get('sort');
    const order = params.get('order')?.trim().toLowerCase() === 'desc' ? 'desc' : 'asc';
    let sort: unknown = null;
    if (sortName !== null && sortName in filters) {
      rows.sort((a, b) => compareColumn(a.col[sortName], b.col[sortName]) * (order === 'desc' ? -1 : 1));
      sort = { name: sortName, order, reverse: `${urlWithout(ctx, 'order', 'marker')}order=${order === 'asc' ? 'desc' : 'asc'}` };
    }

    // Default 100; above the max (3000) or <= 0 -> the max; unparsable -> default. Marker 'm<offset>'; any other marker = offset 0.
    const maxPageSize = this.opts.maxPageSize;
    let limit = Math.min(100, maxPageSize);
    const limitParam = params.get('limit');
    if (limitParam !== null && /^[+-]?\d{1,10}$/.test(limitParam) && Math.abs(Number(limitParam)) <= 2 ** 31 - 1) {
      const n = Number(limitParam);
      limit = n > maxPageSize || n <= 0 ? maxPageSize : n;
    }
    const marker = /^m([+-]?\d{1,10})$/.exec(params.get('marker') ?? '');
    const offset = marker ? Math.max(0, Number(marker[1])) : 0;
    const partial = rows.length > offset + limit;

    const sortLinks = Object.fromEntries(Object.keys(filters).sort().map((f) => [f, `${urlWithout(ctx, 'sort', 'order')}sort=${f}`]));
    const filterEcho = Object.fromEntries(Object.keys(filters).sort().map((f) => [f, conditions.get(f) ?? null]));
    return {
      type: 'collection',
      resourceType,
      links: { self: `${ctx.origin}${ctx.rawPath}${ctx.rawQuery ? `?${ctx.rawQuery}` : ''}` },
      createTypes: {},
      actions: {},
      data: rows.slice(offset, offset + limit).map(({ item }) => render(item)),
      sortLinks,
      pagination: {
        first: null,
        previous: null,
        next: partial ? `${urlWithout(ctx, 'marker')}marker=m${offset + limit}` : null,
        limit,
        total: null,
        partial,
      },
      sort,
      filters: filterEcho,
      createDefaults: {},
    };
  }
}

/** Orders like MySQL: NULL first, numbers and dates numerically, strings by code unit. */
function compareColumn(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

/** One filter condition with SQL semantics: any comparison with a NULL column is false. */
function matches(column: unknown, modifier: string, value: string): boolean {
  if (modifier === 'null') return column == null;
  if (modifier === 'notnull') return column != null;
  if (column == null) return false;
  const cmp = (): number => {
    if (column instanceof Date) {
      const t = Date.parse(value);
      return Number.isNaN(t) ? NaN : column.getTime() - t;
    }
    if (typeof column === 'number') return column - Number(value);
    return column < value ? -1 : column > value ? 1 : 0;
  };
  switch (modifier) {
    case 'eq': return cmp() === 0;
    case 'ne': { const c = cmp(); return !Number.isNaN(c) && c !== 0; }
    case 'lt': return cmp() < 0;
    case 'lte': return cmp() <= 0;
    case 'gt': return cmp() > 0;
    case 'gte': return cmp() >= 0;
    case 'prefix': return sqlLike(String(column), `${value}%`);
    case 'like': return sqlLike(String(column), value);
    case 'notlike': return !sqlLike(String(column), value);
    default: return true;
  }
}

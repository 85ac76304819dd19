import { UsageError } from './errors.ts';

/**
 * Every setting, in one place: its flag, the environment variables it falls back to (first set
 * wins; the old updater container's names keep working), its default and meaning. `--help` and
 * README's configuration table are both checked against this list.
 */
export interface SettingSpec {
  key: keyof RawSettings;
  flag: string;
  env: readonly string[];
  defaultText?: string;
  description: string;
  /** Needed only to talk to Rancher; show-token ignores it. */
  rancher?: boolean;
  boolean?: boolean;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'region', flag: '--region <region>', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], defaultText: "the AWS profile's region", description: 'AWS region of the ECR registries' },
  { key: 'registryIds', flag: '--registry-ids <ids>', env: ['AWS_ECR_REGISTRY_IDS'], defaultText: "the caller's account", description: 'comma-separated 12-digit AWS account ids; one ECR endpoint each' },
  { key: 'roleArn', flag: '--role-arn <arn>', env: ['AWS_ROLE_ARN'], description: 'IAM role to assume before calling ECR (AWS_ROLE_ARN only when AWS_WEB_IDENTITY_TOKEN_FILE is unset)' },
  { key: 'externalId', flag: '--external-id <id>', env: ['AWS_ROLE_EXTERNAL_ID'], description: 'external id for assuming --role-arn' },
  { key: 'rancherUrl', flag: '--rancher-url <url>', env: ['CATTLE_URL', 'RANCHER_URL'], rancher: true, description: 'Rancher API URL: …/v1, …/v2-beta, or …/v2-beta/projects/<id>' },
  { key: 'accessKey', flag: '--access-key <key>', env: ['CATTLE_ACCESS_KEY', 'RANCHER_ACCESS_KEY'], rancher: true, description: 'Rancher API access key (environment or account key)' },
  { key: 'secretKey', flag: '--secret-key <key>', env: ['CATTLE_SECRET_KEY', 'RANCHER_SECRET_KEY'], rancher: true, description: 'Rancher API secret key (prefer the environment variable: flags show in ps)' },
  { key: 'create', flag: '--create', env: ['AUTO_CREATE'], boolean: true, rancher: true, defaultText: 'false', description: 'create the registry and its credential when none matches an endpoint' },
  { key: 'caCert', flag: '--ca-cert <file>', env: ['RANCHER_CA_CERT'], description: 'PEM file of a private CA to trust, for Rancher and AWS (NODE_EXTRA_CA_CERTS works too)' },
  { key: 'insecure', flag: '--insecure', env: ['RANCHER_INSECURE'], boolean: true, rancher: true, defaultText: 'false', description: "skip TLS verification for Rancher only (warned on every run); prefer --ca-cert" },
  { key: 'timeout', flag: '--timeout <seconds>', env: ['RANCHER_ECR_TIMEOUT'], defaultText: '60', description: 'deadline for the whole run, in seconds' },
  { key: 'retries', flag: '--retries <n>', env: ['RANCHER_ECR_RETRIES'], defaultText: '3', description: 'retries of a transient fault (connection error, 429, 5xx, throttling)' },
  { key: 'output', flag: '-o, --output <format>', env: [], defaultText: 'text', description: 'text for people, json for scripts (stdout; logs go to stderr)' },
  { key: 'logLevel', flag: '--log-level <level>', env: ['LOG_LEVEL'], defaultText: 'info', description: 'debug, info, warn or error (--verbose = debug, --quiet = error)' },
];

export type RawSettings = {
  region?: string;
  registryIds?: string;
  roleArn?: string;
  externalId?: string;
  rancherUrl?: string;
  accessKey?: string;
  secretKey?: string;
  create?: boolean | string;
  caCert?: string;
  insecure?: boolean | string;
  timeout?: string;
  retries?: string;
  output?: string;
  logLevel?: string;
};

/** What commander hands over: the settings plus the pure switches. */
export type Flags = RawSettings & { verbose?: boolean; quiet?: boolean };

export type OutputFormat = 'text' | 'json';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AwsSettings {
  /** Undefined: the SDK takes it from the AWS profile, else the run stops with exit 2. */
  region: string | undefined;
  /** Empty: one endpoint, the caller's own account. */
  registryIds: string[];
  roleArn: string | undefined;
  externalId: string | undefined;
}

export interface RancherSettings {
  url: URL;
  accessKey: string;
  secretKey: string;
  create: boolean;
  /** Skip TLS verification of Rancher (never of AWS). */
  insecure: boolean;
}

export interface Config {
  aws: AwsSettings;
  rancher: RancherSettings | undefined;
  output: OutputFormat;
  logLevel: LogLevel;
  timeoutMs: number;
  retries: number;
  /** PEM files of extra CAs to trust, with the flag or variable that named them; read when the run starts. */
  caFiles: Array<{ path: string; source: string }>;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Resolved {
  value: string | boolean;
  /** The flag or variable it came from, named in error messages. */
  source: string;
}

/** The long flag of a setting, as messages name it: '-o, --output <format>' → '--output'. */
export function flagName(spec: SettingSpec): string {
  return spec.flag.replace(/^-\w, /, '').split(' ')[0]!;
}

function lookup(spec: SettingSpec, flags: Flags, env: Env): Resolved | undefined {
  const fromFlag = flags[spec.key];
  if (fromFlag !== undefined) return { value: fromFlag, source: flagName(spec) };
  for (const name of spec.env) {
    // AWS_ROLE_ARN belongs to the SDK's web-identity pair when a token file is set.
    if (name === 'AWS_ROLE_ARN' && env.AWS_WEB_IDENTITY_TOKEN_FILE) continue;
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name };
  }
  return undefined;
}

function specOf(key: keyof RawSettings): SettingSpec {
  return SETTINGS.find((s) => s.key === key)!;
}

function hint(spec: SettingSpec): string {
  return spec.env.length > 0 ? `pass ${flagName(spec)} or set ${spec.env[0]}` : `pass ${flagName(spec)}`;
}

function text(spec: SettingSpec, flags: Flags, env: Env): { value: string; source: string } | undefined {
  const found = lookup(spec, flags, env);
  if (found === undefined) return undefined;
  return { value: String(found.value).trim(), source: found.source };
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

function booleanSetting(key: keyof RawSettings, flags: Flags, env: Env): boolean {
  const found = lookup(specOf(key), flags, env);
  if (found === undefined) return false;
  if (typeof found.value === 'boolean') return found.value;
  const word = found.value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`${found.source} must be true or false, not '${found.value}'`);
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function parseRegistryIds(found: { value: string; source: string } | undefined): string[] {
  if (found === undefined) return [];
  const ids = found.value.split(/[\s,]+/).filter((id) => id !== '');
  for (const id of ids) {
    if (!ACCOUNT_ID.test(id)) {
      throw new UsageError(`${found.source}: '${id}' is not a 12-digit AWS account id; give ids like 123456789012, comma-separated`);
    }
  }
  return [...new Set(ids)];
}

function parseRancherUrl(found: { value: string; source: string } | undefined, fix: string): URL {
  if (found === undefined || found.value === '') {
    throw new UsageError(`Missing Rancher URL: ${fix} (for example http://rancher:8080/v2-beta/projects/1a5)`);
  }
  let url: URL;
  try {
    url = new URL(found.value);
  } catch {
    throw new UsageError(`${found.source}: '${found.value}' is not a URL; give one like https://rancher.example.com/v2-beta`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${found.source} must start with http:// or https://, not '${url.protocol}'`);
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the value: it holds a secret.
    throw new UsageError(`${found.source} must not contain credentials; pass them with --access-key and --secret-key (or CATTLE_ACCESS_KEY and CATTLE_SECRET_KEY)`);
  }
  url.hash = '';
  return url;
}

function positiveNumber(key: keyof RawSettings, flags: Flags, env: Env, fallback: number, opts: { integer: boolean; min: number; max: number }): number {
  const found = text(specOf(key), flags, env);
  if (found === undefined) return fallback;
  const value = Number(found.value);
  const valid = found.value !== '' && Number.isFinite(value) && value >= opts.min && value <= opts.max && (!opts.integer || Number.isInteger(value));
  if (!valid) {
    const kind = opts.integer ? 'a whole number' : 'a number';
    throw new UsageError(`${found.source} must be ${kind} from ${opts.min} to ${opts.max}, not '${found.value}'`);
  }
  return value;
}

/**
 * Turns flags and environment into a validated Config, or throws a UsageError naming the first
 * bad setting and how to fix it. Pure: no I/O, so it is unit-tested with plain objects.
 */
export function resolveConfig(flags: Flags, env: Env, needs: { rancher: boolean }): Config {
  const region = text(specOf('region'), flags, env);
  if (region !== undefined && !REGION.test(region.value)) {
    throw new UsageError(`${region.source}: '${region.value}' is not an AWS region; give one like us-east-1`);
  }
  const roleArn = text(specOf('roleArn'), flags, env);
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn.value)) {
    throw new UsageError(`${roleArn.source}: '${roleArn.value}' is not an IAM role ARN; give one like arn:aws:iam::123456789012:role/ecr-reader`);
  }
  const externalId = text(specOf('externalId'), flags, env);

  const output = text(specOf('output'), flags, env)?.value ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new UsageError(`--output must be text or json, not '${output}'`);
  }

  let logLevel: LogLevel = 'info';
  const level = text(specOf('logLevel'), flags, env);
  if (level !== undefined && level.value !== '') {
    const lower = level.value.toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(lower)) {
      throw new UsageError(`${level.source} must be one of ${LOG_LEVELS.join(', ')}, not '${level.value}'`);
    }
    logLevel = lower as LogLevel;
  }
  if (flags.verbose) logLevel = 'debug';
  else if (flags.quiet) logLevel = 'error';

  const timeoutSeconds = positiveNumber('timeout', flags, env, 60, { integer: false, min: 1, max: 3600 });
  const retries = positiveNumber('retries', flags, env, 3, { integer: true, min: 0, max: 10 });

  const aws: AwsSettings = {
    region: region?.value,
    registryIds: parseRegistryIds(text(specOf('registryIds'), flags, env)),
    roleArn: roleArn?.value,
    externalId: externalId?.value || undefined,
  };

  let rancher: RancherSettings | undefined;
  if (needs.rancher) {
    const urlSpec = specOf('rancherUrl');
    const url = parseRancherUrl(text(urlSpec, flags, env), hint(urlSpec));
    const accessKey = requiredKey('accessKey', flags, env);
    const secretKey = requiredKey('secretKey', flags, env);
    rancher = { url, accessKey, secretKey, create: booleanSetting('create', flags, env), insecure: booleanSetting('insecure', flags, env) };
  }
  const caFile = text(specOf('caCert'), flags, env);
  const caFiles = caFile !== undefined && caFile.value !== '' ? [{ path: caFile.value, source: caFile.source }] : [];

  return { aws, rancher, output, logLevel, timeoutMs: Math.round(timeoutSeconds * 1000), retries, caFiles };
}

function requiredKey(key: 'accessKey' | 'secretKey', flags: Flags, env: Env): string {
  const spec = specOf(key);
  const found = text(spec, flags, env);
  const label = key === 'accessKey' ? 'Rancher access key' : 'Rancher secret key';
  if (found === undefined || found.value === '') throw new UsageError(`Missing ${label}: ${hint(spec)}`);
  // A colon in the access key would split Basic auth in the wrong place.
  if (/\s/.test(found.value) || (key === 'accessKey' && found.value.includes(':'))) {
    throw new UsageError(`${found.source}: the ${label} must not contain spaces${key === 'accessKey' ? ' or colons' : ''}; copy it again from Rancher's API keys page`);
  }
  return found.value;
}

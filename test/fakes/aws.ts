/**
 * Fake AWS for tests: one loopback HTTP(S) server that is both
 *   - the Amazon ECR endpoint (awsJson1_1, only `GetAuthorizationToken`), and
 *   - the AWS STS endpoint (query protocol: `AssumeRole`, `AssumeRoleWithWebIdentity`, `GetCallerIdentity`).
 *
 * Point the SDK at it with `AWS_ENDPOINT_URL_ECR=<url>` and `AWS_ENDPOINT_URL_STS=<url>`.
 *
 * Signed requests are checked with an independent SigV4 implementation (node:crypto only): the
 * canonical request is rebuilt from the `SignedHeaders` list the request carries, the raw body hash
 * (or `x-amz-content-sha256`), the scope `<date>/<region>/<service>/aws4_request`, and the session
 * token of temporary credentials. Errors look like the real services' errors (JSON with
 * `x-amzn-ErrorType` for ECR, `<ErrorResponse>` XML for STS), so the real SDK surfaces them by name.
 *
 * Only node:http, node:https and node:crypto are used; nothing from the AWS SDK.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface FakeAwsPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials: requests must then carry it as `x-amz-security-token`. */
  sessionToken?: string;
  /** 12 digits. */
  account: string;
  /** Every ECR call → AccessDeniedException. */
  deny?: boolean;
  /** (addition) IAM/STS ARN reported by GetCallerIdentity and in AccessDenied messages. */
  arn?: string;
  /** (addition) After this instant calls fail with ExpiredTokenException (ECR) / ExpiredToken (STS). */
  expiration?: Date;
}

export interface FakeAwsRole {
  arn: string;
  /** 12 digits: the account the assumed credentials belong to. */
  account: string;
  /** When set, AssumeRole must pass exactly this ExternalId, else AccessDenied (403). */
  externalId?: string;
  /** The assumed credentials are denied every ECR call (AccessDeniedException); assuming succeeds. */
  deny?: boolean;
  /** (addition) Assuming the role itself fails: AccessDenied (403) from AssumeRole / AssumeRoleWithWebIdentity. */
  denyAssume?: boolean;
}

export interface FakeAwsOptions {
  /** Default: one principal { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'fake/secret/key/0001', account: '123456789012' }. */
  principals?: FakeAwsPrincipal[];
  /** Region the signatures must use (STS also accepts us-east-1, the global endpoint's region). Default 'us-east-1'. */
  region?: string;
  /** Roles AssumeRole / AssumeRoleWithWebIdentity may assume; the credentials become temporary principals of `account`. */
  roles?: FakeAwsRole[];
  /** Lifetime of ECR tokens. Default 43200. */
  tokenTtlSeconds?: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RecordedAwsRequest {
  service: 'ecr' | 'sts';
  /** ECR: the operation from X-Amz-Target (e.g. 'GetAuthorizationToken'); STS: the Action parameter. */
  action: string;
  /** Access key id from the Authorization header's Credential, whether known or not. */
  accessKeyId?: string;
  registryIds?: string[];
  /** HTTP status answered; 0 when the connection was reset (or never answered). */
  status: number;
  errorType?: string;
  headers: Record<string, string | string[] | undefined>;
  /** (addition) Injected fault used for this request: a queued error, 'reset', 'delay' or 'intercepted'. */
  fault?: 'error' | 'reset' | 'delay' | 'intercepted';
  /** (addition) STS: the RoleArn parameter. */
  roleArn?: string;
  /** (addition) Why authentication failed, in detail (e.g. the canonical request the fake expected). */
  authError?: string;
  /** (addition) Raw request body. */
  body: string;
}

export interface IssuedToken {
  /** Account of the caller. */
  account: string;
  registryId: string;
  username: 'AWS';
  password: string;
  proxyEndpoint: string;
  expiresAt: Date;
  /** (addition) Set when the token was deliberately malformed by malformNextTokens(). */
  malformed?: 'not-base64' | 'no-colon';
  /** (addition) The authorizationToken exactly as sent. */
  authorizationToken: string;
}

/** (addition) Credentials handed out by AssumeRole / AssumeRoleWithWebIdentity. */
export interface AssumedRoleCredentials {
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity';
  roleArn: string;
  roleSessionName: string;
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  externalId?: string;
  webIdentityToken?: string;
}

export type EcrFault = { status: number; type: string; message?: string } | { reset: true } | { delayMs: number };

export interface FakeAws {
  /** 'http://127.0.0.1:PORT' (https:// with `tls`). */
  url: string;
  /** (addition) The region signatures must use. */
  region: string;
  requests: RecordedAwsRequest[];
  /** Every token handed out, in order. */
  issued: IssuedToken[];
  /** (addition) Every set of temporary credentials handed out by STS, in order. */
  assumed: AssumedRoleCredentials[];
  /** (addition) Live list of known principals (configured ones, then those created by STS). */
  principals: FakeAwsPrincipal[];
  /** Queue answers for the next ECR calls, consumed in order before normal handling. */
  enqueueEcrFaults(...faults: EcrFault[]): void;
  /** (addition) Same for the next STS calls; `type` becomes the XML error Code. */
  enqueueStsFaults(...faults: EcrFault[]): void;
  /** GetAuthorizationToken naming this registry id → AccessDeniedException (400). */
  denyRegistry(registryId: string): void;
  /** Next `count` (default 1) authorizationTokens are not valid base64 / decode without ':'. */
  malformNextTokens(kind: 'not-base64' | 'no-colon', count?: number): void;
  /** (addition) Add a principal (e.g. temporary credentials that a test hands to the tool). */
  addPrincipal(principal: FakeAwsPrincipal): void;
  /** (addition) Make a principal's credentials expired from now on (ExpiredTokenException / ExpiredToken). */
  expirePrincipal(accessKeyId: string): void;
  /** Fault injection hook: called first for every request; return true if it answered. */
  intercept: ((req: IncomingMessage, res: ServerResponse, body: string) => boolean | Promise<boolean>) | undefined;
  /** Close the server and all sockets (pending delays are abandoned). */
  close(): Promise<void>;
}

export const DEFAULT_FAKE_PRINCIPAL: Readonly<FakeAwsPrincipal> = Object.freeze({
  accessKeyId: 'AKIAFAKEFAKEFAKE0001',
  secretAccessKey: 'fake/secret/key/0001',
  account: '123456789012',
});

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * Writes epoch seconds the way ECR does (Java's Double.toString): scientific notation with at least
 * one fractional digit, e.g. 1764835200 → "1.7648352E9", 1764835200.123 → "1.764835200123E9".
 */
export function formatJavaDouble(value: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e7 || Math.abs(value) < 1e-3)) {
    const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  const plain = String(value);
  return plain.includes('.') ? plain : `${plain}.0`;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const ECR_JSON = 'application/x-amz-json-1.1';
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const TWELVE_DIGITS = /^\d{12}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

interface Principal extends FakeAwsPrincipal {
  arn: string;
}

type AuthFailure =
  | 'missing' // no Authorization header
  | 'incomplete' // Authorization header that cannot be parsed
  | 'unknown-key' // access key not known
  | 'bad-token' // temporary key without / with the wrong session token, or a token with a long-term key
  | 'expired' // credentials expired
  | 'signature'; // signature / scope / date mismatch

type AuthResult = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure; message: string; detail?: string };

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  signedHeaders: string[];
  signature: string;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved: A-Z a-z 0-9 - _ . ~). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseAuthorization(header: string | undefined): ParsedAuthorization | string | undefined {
  if (header === undefined) return undefined;
  const match = /^(\S+)\s+(.*)$/s.exec(header.trim());
  if (!match || match[1] !== 'AWS4-HMAC-SHA256') {
    return `Unsupported AWS 'algorithm': '${match?.[1] ?? header}'`;
  }
  const fields = new Map<string, string>();
  for (const part of (match[2] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    const missing = [!credential && 'Credential', !signedHeaders && 'SignedHeaders', !signature && 'Signature'].filter(Boolean);
    return `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')} parameter(s). Authorization=${header}`;
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    return `Authorization header has a malformed Credential: '${credential}'`;
  }
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', scopeService = '', scopeTerminator = ''] = scope;
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    scopeTerminator,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function headerValues(req: IncomingMessage): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const list = map.get(name) ?? [];
    list.push(req.rawHeaders[i + 1] ?? '');
    map.set(name, list);
  }
  return map;
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function canonicalQueryString(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const key = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))] as const;
    })
    .filter(([key]) => key !== 'X-Amz-Signature');
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalPath(rawPath: string): string {
  // Non-S3 services: the (already once-encoded) path is encoded again, '/' kept.
  const path = rawPath === '' ? '/' : rawPath;
  return uriEncode(path).replace(/%2F/g, '/');
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomUpper(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function makeEcrPassword(expiresAtMs: number): string {
  // Real passwords: base64 of {"payload":…,"datakey":…,"version":"2","type":"DATA_KEY","expiration":…}
  const envelope = JSON.stringify({
    payload: randomBytes(900).toString('base64'),
    datakey: randomBytes(184).toString('base64'),
    version: '2',
    type: 'DATA_KEY',
    expiration: Math.floor(expiresAtMs / 1000),
  });
  return Buffer.from(envelope, 'utf8').toString('base64');
}

function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function roleNameOf(arn: string): string {
  const idx = arn.indexOf(':role/');
  const path = idx >= 0 ? arn.slice(idx + ':role/'.length) : arn;
  return path.split('/').pop() || 'role';
}

function validateAccount(account: string, what: string): void {
  if (!TWELVE_DIGITS.test(account)) throw new Error(`fake AWS: ${what} account must be 12 digits, got '${account}'`);
}

const STS_ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  ExpiredToken: 400,
  IncompleteSignature: 400,
  ValidationError: 400,
  InvalidAction: 400,
  InvalidIdentityToken: 400,
  Throttling: 400,
  InternalFailure: 500,
};

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const region = options.region ?? 'us-east-1';
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 43200;
  const roles = [...(options.roles ?? [])];
  for (const role of roles) validateAccount(role.account, `role ${role.arn}`);

  const principals: FakeAwsPrincipal[] = [];
  const byKey = new Map<string, Principal>();
  const addPrincipal = (p: FakeAwsPrincipal): void => {
    validateAccount(p.account, `principal ${p.accessKeyId}`);
    const principal: Principal = { ...p, arn: p.arn ?? `arn:aws:iam::${p.account}:user/fake-${p.accessKeyId.slice(-4).toLowerCase()}` };
    principals.push(principal);
    byKey.set(p.accessKeyId, principal);
  };
  for (const p of options.principals ?? [{ ...DEFAULT_FAKE_PRINCIPAL }]) addPrincipal(p);

  const requests: RecordedAwsRequest[] = [];
  const issued: IssuedToken[] = [];
  const assumed: AssumedRoleCredentials[] = [];
  const ecrFaults: EcrFault[] = [];
  const stsFaults: EcrFault[] = [];
  const deniedRegistries = new Set<string>();
  const malformQueue: Array<'not-base64' | 'no-colon'> = [];
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingDelays.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingDelays.add(entry);
    });

  // ----- SigV4 ---------------------------------------------------------------------------------

  function verifySigV4(req: IncomingMessage, rawBody: Buffer, service: 'ecr' | 'sts'): AuthResult {
    const authHeader = singleHeader(req, 'authorization');
    if (authHeader === undefined) {
      return { ok: false, failure: 'missing', message: service === 'ecr' ? 'Missing Authentication Token' : 'Request is missing Authentication Token' };
    }
    const parsed = parseAuthorization(authHeader);
    if (parsed === undefined || typeof parsed === 'string') {
      return { ok: false, failure: 'incomplete', message: parsed ?? 'Missing Authorization' };
    }
    const principal = byKey.get(parsed.accessKeyId);
    if (!principal) {
      return { ok: false, failure: 'unknown-key', message: 'The security token included in the request is invalid.' };
    }
    const sentToken = singleHeader(req, 'x-amz-security-token');
    if (principal.sessionToken !== undefined ? sentToken !== principal.sessionToken : sentToken !== undefined) {
      return {
        ok: false,
        failure: 'bad-token',
        message: 'The security token included in the request is invalid.',
        detail: principal.sessionToken !== undefined ? (sentToken === undefined ? 'session token missing' : 'session token does not match') : 'session token sent with long-term key',
      };
    }
    if (principal.expiration && principal.expiration.getTime() <= Date.now()) {
      return {
        ok: false,
        failure: 'expired',
        message: 'The security token included in the request is expired',
      };
    }

    const amzDateText = singleHeader(req, 'x-amz-date');
    if (amzDateText === undefined) {
      return { ok: false, failure: 'incomplete', message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." };
    }
    const amzDate = parseAmzDate(amzDateText);
    if (!amzDate) {
      return { ok: false, failure: 'incomplete', message: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", got '${amzDateText}'` };
    }
    const sigFail = (message: string, detail?: string): AuthResult => ({ ok: false, failure: 'signature', message, ...(detail !== undefined ? { detail } : {}) });
    if (parsed.scopeTerminator !== 'aws4_request') {
      return sigFail(`Credential should be scoped with a valid terminator: 'aws4_request', not '${parsed.scopeTerminator}'.`);
    }
    if (parsed.scopeService !== service) {
      return sigFail(`Credential should be scoped to correct service: '${service}'. `);
    }
    const allowedRegions = service === 'sts' ? [region, 'us-east-1'] : [region];
    if (!allowedRegions.includes(parsed.scopeRegion)) {
      return sigFail(`Credential should be scoped to a valid region. `, `scope region '${parsed.scopeRegion}', expected '${region}'`);
    }
    if (parsed.scopeDate !== amzDateText.slice(0, 8)) {
      return sigFail(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.scopeDate}' != '${amzDateText.slice(0, 8)}', from '${amzDateText}'.`,
      );
    }
    const skew = amzDate.getTime() - Date.now();
    if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
      const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      return sigFail(
        skew < 0
          ? `Signature expired: ${amzDateText} is now earlier than ${now} (current time - 15 min.)`
          : `Signature not yet current: ${amzDateText} is still later than ${now} (current time + 15 min.)`,
      );
    }
    if (!parsed.signedHeaders.includes('host')) {
      return sigFail("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    const bodyHash = sha256Hex(rawBody);
    const contentSha = singleHeader(req, 'x-amz-content-sha256');
    let payloadHash = bodyHash;
    if (contentSha !== undefined) {
      if (contentSha !== 'UNSIGNED-PAYLOAD' && contentSha.toLowerCase() !== bodyHash) {
        return sigFail("The provided 'x-amz-content-sha256' header does not match what was computed.", `sent ${contentSha}, body hash ${bodyHash}`);
      }
      payloadHash = contentSha;
    }

    const values = headerValues(req);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const canonicalRequest = [
      req.method ?? 'GET',
      canonicalPath(q < 0 ? url : url.slice(0, q)),
      canonicalQueryString(q < 0 ? '' : url.slice(q + 1)),
      parsed.signedHeaders.map((h) => `${h}:${(values.get(h) ?? []).map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`).join(''),
      parsed.signedHeaders.join(';'),
      payloadHash,
    ].join('\n');
    const scope = `${parsed.scopeDate}/${parsed.scopeRegion}/${parsed.scopeService}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDateText, scope, sha256Hex(canonicalRequest)].join('\n');
    const kDate = hmac(`AWS4${principal.secretAccessKey}`, parsed.scopeDate);
    const kRegion = hmac(kDate, parsed.scopeRegion);
    const kService = hmac(kRegion, parsed.scopeService);
    const kSigning = hmac(kService, 'aws4_request');
    const expected = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest();
    const given = /^[0-9a-f]{64}$/.test(parsed.signature) ? Buffer.from(parsed.signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sigFail(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        `canonical request:\n${canonicalRequest}\nstring to sign:\n${stringToSign}`,
      );
    }
    return { ok: true, principal };
  }

  // ----- responses -----------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, contentType: string, body: string, extra: OutgoingHttpHeaders = {}): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': randomUUID(),
      ...extra,
    });
    res.end(body);
  }

  function ecrError(res: ServerResponse, record: RecordedAwsRequest, status: number, type: string, message: string): void {
    record.status = status;
    record.errorType = type;
    send(res, status, ECR_JSON, JSON.stringify({ __type: type, message }), { 'x-amzn-ErrorType': type });
  }

  function stsError(res: ServerResponse, record: RecordedAwsRequest, code: string, message: string, status = STS_ERROR_STATUS[code] ?? 400): void {
    record.status = status;
    record.errorType = code;
    const requestId = randomUUID();
    const type = status >= 500 ? 'Receiver' : 'Sender';
    const xml =
      `<ErrorResponse xmlns="${STS_XML_NAMESPACE}">\n` +
      `  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
      `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
    send(res, status, 'text/xml', xml, { 'x-amzn-RequestId': requestId });
  }

  function stsResult(res: ServerResponse, record: RecordedAwsRequest, action: string, inner: string): void {
    record.status = 200;
    const requestId = randomUUID();
    const xml =
      `<${action}Response xmlns="${STS_XML_NAMESPACE}">\n  <${action}Result>\n${inner}  </${action}Result>\n` +
      `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
    send(res, 200, 'text/xml', xml, { 'x-amzn-RequestId': requestId });
  }

  /** Applies a queued fault. Returns true when the request is finished (answered or reset). */
  async function applyFault(
    fault: EcrFault,
    res: ServerResponse,
    record: RecordedAwsRequest,
    answer: (status: number, type: string, message: string) => void,
  ): Promise<boolean> {
    if ('reset' in fault) {
      record.fault = 'reset';
      record.status = 0;
      const socket = res.socket;
      if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket?.destroy();
      return true;
    }
    if ('delayMs' in fault) {
      record.fault = 'delay';
      await sleep(fault.delayMs);
      return closed || res.destroyed;
    }
    record.fault = 'error';
    answer(fault.status, fault.type, fault.message ?? `${fault.type} (injected by the fake)`);
    return true;
  }

  // ----- ECR -----------------------------------------------------------------------------------

  async function handleEcr(req: IncomingMessage, res: ServerResponse, rawBody: Buffer, record: RecordedAwsRequest): Promise<void> {
    const fault = ecrFaults.shift();
    if (fault && (await applyFault(fault, res, record, (s, t, m) => ecrError(res, record, s, t, m)))) return;

    const auth = verifySigV4(req, rawBody, 'ecr');
    if (!auth.ok) {
      if (auth.detail !== undefined) record.authError = `${auth.message}\n${auth.detail}`;
      else record.authError = auth.message;
      const type = {
        missing: 'MissingAuthenticationTokenException',
        incomplete: 'IncompleteSignatureException',
        'unknown-key': 'UnrecognizedClientException',
        'bad-token': 'UnrecognizedClientException',
        expired: 'ExpiredTokenException',
        signature: 'InvalidSignatureException',
      }[auth.failure];
      return ecrError(res, record, auth.failure === 'missing' ? 403 : 400, type, auth.message);
    }
    const principal = auth.principal;

    const target = singleHeader(req, 'x-amz-target');
    if (req.method !== 'POST' || target !== `${ECR_TARGET_PREFIX}GetAuthorizationToken`) {
      return ecrError(res, record, 400, 'UnknownOperationException', `Operation ${target ?? '(none)'} is not supported by this fake (only ${ECR_TARGET_PREFIX}GetAuthorizationToken via POST).`);
    }
    const contentType = (singleHeader(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== ECR_JSON) {
      return ecrError(res, record, 400, 'SerializationException', `Expected Content-Type ${ECR_JSON}, got '${contentType ?? ''}'.`);
    }

    let input: unknown;
    const text = rawBody.toString('utf8');
    try {
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return ecrError(res, record, 400, 'SerializationException', 'Could not parse request body into json: invalid JSON.');
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return ecrError(res, record, 400, 'SerializationException', 'Request body must be a JSON object.');
    }
    const rawIds = (input as { registryIds?: unknown }).registryIds;
    let registryIds: string[] | undefined;
    if (rawIds !== undefined && rawIds !== null) {
      if (!Array.isArray(rawIds)) {
        return ecrError(res, record, 400, 'SerializationException', "Expected a list for 'registryIds'.");
      }
      registryIds = rawIds.map((v) => String(v));
      record.registryIds = registryIds;
      if (rawIds.length < 1 || rawIds.length > 10) {
        return ecrError(res, record, 400, 'InvalidParameterException', `Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must have length between 1 and 10'`);
      }
      const bad = rawIds.find((v) => typeof v !== 'string' || !TWELVE_DIGITS.test(v));
      if (bad !== undefined) {
        return ecrError(
          res,
          record,
          400,
          'InvalidParameterException',
          `Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [0-9]{12}' (value '${String(bad)}')`,
        );
      }
    }

    if (principal.deny) {
      return ecrError(
        res,
        record,
        400,
        'AccessDeniedException',
        `User: ${principal.arn} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`,
      );
    }
    const denied = registryIds?.find((id) => deniedRegistries.has(id));
    if (denied !== undefined) {
      return ecrError(
        res,
        record,
        400,
        'AccessDeniedException',
        `User: ${principal.arn} is not authorized to perform: ecr:GetAuthorizationToken on resource: arn:aws:ecr:${region}:${denied}:registry with an explicit deny`,
      );
    }

    const expiresAtMs = Date.now() + tokenTtlSeconds * 1000;
    const entries: string[] = [];
    for (const registryId of registryIds ?? [principal.account]) {
      const password = makeEcrPassword(expiresAtMs);
      const malformed = malformQueue.shift();
      const authorizationToken =
        malformed === 'not-base64'
          ? `AWS:${password}` // never encoded: ':' is outside the base64 alphabet
          : malformed === 'no-colon'
            ? Buffer.from(`AWS${password}`, 'utf8').toString('base64')
            : Buffer.from(`AWS:${password}`, 'utf8').toString('base64');
      const proxyEndpoint = `https://${registryId}.dkr.ecr.${region}.amazonaws.com`;
      issued.push({
        account: principal.account,
        registryId,
        username: 'AWS',
        password,
        proxyEndpoint,
        expiresAt: new Date(expiresAtMs),
        authorizationToken,
        ...(malformed ? { malformed } : {}),
      });
      entries.push(
        `{"authorizationToken":${JSON.stringify(authorizationToken)},"expiresAt":${formatJavaDouble(expiresAtMs / 1000)},"proxyEndpoint":${JSON.stringify(proxyEndpoint)}}`,
      );
    }
    record.status = 200;
    send(res, 200, ECR_JSON, `{"authorizationData":[${entries.join(',')}]}`);
  }

  // ----- STS -----------------------------------------------------------------------------------

  function stsAuthError(res: ServerResponse, record: RecordedAwsRequest, auth: Extract<AuthResult, { ok: false }>): void {
    record.authError = auth.detail !== undefined ? `${auth.message}\n${auth.detail}` : auth.message;
    const code = {
      missing: 'MissingAuthenticationToken',
      incomplete: 'IncompleteSignature',
      'unknown-key': 'InvalidClientTokenId',
      'bad-token': 'InvalidClientTokenId',
      expired: 'ExpiredToken',
      signature: 'SignatureDoesNotMatch',
    }[auth.failure];
    stsError(res, record, code, auth.message);
  }

  function validateRoleParams(params: URLSearchParams): { roleArn: string; sessionName: string; duration: number } | string {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (roleArn === null) return "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null";
    if (sessionName === null) return "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null";
    if (roleArn.length < 20 || roleArn.length > 2048) {
      return `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`;
    }
    if (!SESSION_NAME.test(sessionName)) {
      return `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and length between 2 and 64`;
    }
    const durationText = params.get('DurationSeconds');
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return `1 validation error detected: Value '${durationText ?? ''}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`;
    }
    return { roleArn, sessionName, duration };
  }

  function issueRoleCredentials(
    action: AssumedRoleCredentials['action'],
    role: FakeAwsRole,
    sessionName: string,
    durationSeconds: number,
    extra: { externalId?: string; webIdentityToken?: string },
  ): { credentials: AssumedRoleCredentials; assumedRoleArn: string; assumedRoleId: string; xmlCredentials: string } {
    const expiration = new Date(Math.floor((Date.now() + durationSeconds * 1000) / 1000) * 1000);
    const credentials: AssumedRoleCredentials = {
      action,
      roleArn: role.arn,
      roleSessionName: sessionName,
      account: role.account,
      accessKeyId: `ASIA${randomUpper(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(600).toString('base64')}`,
      expiration,
      ...(extra.externalId !== undefined ? { externalId: extra.externalId } : {}),
      ...(extra.webIdentityToken !== undefined ? { webIdentityToken: extra.webIdentityToken } : {}),
    };
    const assumedRoleArn = `arn:aws:sts::${role.account}:assumed-role/${roleNameOf(role.arn)}/${sessionName}`;
    const assumedRoleId = `AROA${randomUpper(17)}:${sessionName}`;
    assumed.push(credentials);
    addPrincipal({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      account: role.account,
      arn: assumedRoleArn,
      expiration,
      ...(role.deny ? { deny: true } : {}),
    });
    const xmlCredentials =
      `    <Credentials>\n` +
      `      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>\n` +
      `      <SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>\n` +
      `      <SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>\n` +
      `      <Expiration>${isoSeconds(expiration)}</Expiration>\n` +
      `    </Credentials>\n`;
    return { credentials, assumedRoleArn, assumedRoleId, xmlCredentials };
  }

  async function handleSts(req: IncomingMessage, res: ServerResponse, rawBody: Buffer, record: RecordedAwsRequest): Promise<void> {
    const fault = stsFaults.shift();
    if (fault && (await applyFault(fault, res, record, (s, t, m) => stsError(res, record, t, m, s)))) return;

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const contentType = (singleHeader(req, 'content-type') ?? '').toLowerCase();
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) params.append(k, v);
    }
    const action = params.get('Action') ?? '';
    record.action = action;
    const roleArnParam = params.get('RoleArn');
    if (roleArnParam !== null) record.roleArn = roleArnParam;

    if (action === 'AssumeRoleWithWebIdentity') {
      // Unsigned by design: the web identity token is the proof.
      const checked = validateRoleParams(params);
      if (typeof checked === 'string') return stsError(res, record, 'ValidationError', checked);
      const token = params.get('WebIdentityToken');
      if (token === null) {
        return stsError(res, record, 'ValidationError', "1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null");
      }
      if (token === '') {
        return stsError(res, record, 'InvalidIdentityToken', 'Missing a required claim: aud');
      }
      const role = roles.find((r) => r.arn === checked.roleArn);
      if (!role || role.denyAssume) {
        return stsError(res, record, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      }
      const claims = decodeJwtClaims(token) ?? {};
      const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : fallback);
      const granted = issueRoleCredentials('AssumeRoleWithWebIdentity', role, checked.sessionName, checked.duration, { webIdentityToken: token });
      const issuer = str(claims['iss'], 'https://oidc.fake.invalid').replace(/^https:\/\//, '');
      return stsResult(
        res,
        record,
        action,
        `    <SubjectFromWebIdentityToken>${xmlEscape(str(claims['sub'], 'system:serviceaccount:default:fake'))}</SubjectFromWebIdentityToken>\n` +
          `    <Audience>${xmlEscape(str(claims['aud'], 'sts.amazonaws.com'))}</Audience>\n` +
          `    <AssumedRoleUser>\n      <AssumedRoleId>${granted.assumedRoleId}</AssumedRoleId>\n      <Arn>${xmlEscape(granted.assumedRoleArn)}</Arn>\n    </AssumedRoleUser>\n` +
          granted.xmlCredentials +
          `    <Provider>${xmlEscape(issuer)}</Provider>\n`,
      );
    }

    if (action !== 'AssumeRole' && action !== 'GetCallerIdentity') {
      return stsError(res, record, 'InvalidAction', `Could not find operation ${action || '(none)'} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
    }

    const auth = verifySigV4(req, rawBody, 'sts');
    if (!auth.ok) return stsAuthError(res, record, auth);
    const principal = auth.principal;

    if (action === 'GetCallerIdentity') {
      const userId = principal.sessionToken !== undefined && principal.arn.includes(':assumed-role/') ? `AROA${principal.accessKeyId.slice(4)}:${principal.arn.split('/').pop() ?? ''}` : `AIDA${principal.accessKeyId.slice(4)}`;
      return stsResult(
        res,
        record,
        action,
        `    <Arn>${xmlEscape(principal.arn)}</Arn>\n    <UserId>${xmlEscape(userId)}</UserId>\n    <Account>${principal.account}</Account>\n`,
      );
    }

    const checked = validateRoleParams(params);
    if (typeof checked === 'string') return stsError(res, record, 'ValidationError', checked);
    const role = roles.find((r) => r.arn === checked.roleArn);
    const externalId = params.get('ExternalId') ?? undefined;
    if (!role || role.denyAssume || (role.externalId !== undefined && role.externalId !== externalId)) {
      return stsError(res, record, 'AccessDenied', `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${checked.roleArn}`);
    }
    const issuedCreds = issueRoleCredentials('AssumeRole', role, checked.sessionName, checked.duration, externalId !== undefined ? { externalId } : {});
    return stsResult(
      res,
      record,
      action,
      `    <AssumedRoleUser>\n      <AssumedRoleId>${issuedCreds.assumedRoleId}</AssumedRoleId>\n      <Arn>${xmlEscape(issuedCreds.assumedRoleArn)}</Arn>\n    </AssumedRoleUser>\n` +
        issuedCreds.xmlCredentials,
    );
  }

  // ----- dispatch ------------------------------------------------------------------------------

  function classify(req: IncomingMessage, body: string, auth: ParsedAuthorization | undefined): 'ecr' | 'sts' {
    if (req.headers['x-amz-target'] !== undefined) return 'ecr';
    if (auth?.scopeService === 'ecr') return 'ecr';
    if (auth?.scopeService === 'sts') return 'sts';
    if (/(^|[?&])Action=/.test(req.url ?? '') || /(^|&)Action=/.test(body)) return 'sts';
    return (singleHeader(req, 'content-type') ?? '').includes('json') ? 'ecr' : 'sts';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const body = rawBody.toString('utf8');
    const parsedAuth = parseAuthorization(singleHeader(req, 'authorization'));
    const auth = typeof parsedAuth === 'object' ? parsedAuth : undefined;
    const service = classify(req, body, auth);
    const target = singleHeader(req, 'x-amz-target');
    const record: RecordedAwsRequest = {
      service,
      action: service === 'ecr' ? (target?.startsWith(ECR_TARGET_PREFIX) ? target.slice(ECR_TARGET_PREFIX.length) : (target ?? '')) : '',
      status: 0,
      headers: { ...req.headers },
      body,
      ...(auth ? { accessKeyId: auth.accessKeyId } : {}),
    };
    if (service === 'sts') {
      const q = (req.url ?? '').indexOf('?');
      const params = new URLSearchParams(q < 0 ? '' : (req.url ?? '').slice(q + 1));
      for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
      record.action = params.get('Action') ?? '';
    } else {
      try {
        const ids: unknown = (JSON.parse(body) as { registryIds?: unknown }).registryIds;
        if (Array.isArray(ids)) record.registryIds = ids.map((v) => String(v));
      } catch {
        /* recorded without registryIds */
      }
    }
    requests.push(record);

    // Capture the status (and x-amzn-ErrorType) of whatever answers, including intercept hooks.
    const originalWriteHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
      record.status = statusCode;
      if (record.errorType === undefined) {
        const fromArgs = rest.find((a): a is Record<string, unknown> => !!a && typeof a === 'object' && !Array.isArray(a));
        const named = fromArgs ? Object.entries(fromArgs).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1] : undefined;
        const header = named ?? this.getHeader('x-amzn-errortype');
        if (typeof header === 'string') record.errorType = header.split(':')[0];
      }
      return (originalWriteHead as (...args: unknown[]) => ServerResponse).call(this, statusCode, ...rest);
    } as typeof res.writeHead;

    const hook = fake.intercept;
    if (hook && (await hook(req, res, body))) {
      record.fault = 'intercepted';
      return;
    }
    if (service === 'ecr') await handleEcr(req, res, rawBody, record);
    else await handleSts(req, res, rawBody, record);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const message = `fake AWS internal error: ${error instanceof Error ? error.message : String(error)}`;
      res.writeHead(500, { 'Content-Type': ECR_JSON, 'x-amzn-ErrorType': 'InternalFailure' });
      res.end(JSON.stringify({ __type: 'InternalFailure', message }));
    });
  };

  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake AWS: unexpected server address');

  const fake: FakeAws = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    region,
    requests,
    issued,
    assumed,
    principals,
    intercept: undefined,
    enqueueEcrFaults: (...faults) => {
      ecrFaults.push(...faults);
    },
    enqueueStsFaults: (...faults) => {
      stsFaults.push(...faults);
    },
    denyRegistry: (registryId) => {
      deniedRegistries.add(registryId);
    },
    malformNextTokens: (kind, count = 1) => {
      for (let i = 0; i < count; i++) malformQueue.push(kind);
    },
    addPrincipal,
    expirePrincipal: (accessKeyId) => {
      const principal = byKey.get(accessKeyId);
      if (!principal) throw new Error(`fake AWS: no principal ${accessKeyId}`);
      principal.expiration = new Date(Date.now() - 1000); // same object as in `principals`
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const delay of pendingDelays) {
        clearTimeout(delay.timer);
        delay.resolve();
      }
      pendingDelays.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
  return fake;
}

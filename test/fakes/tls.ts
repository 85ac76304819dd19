/**
 * Test PKI for the HTTPS fakes: a private CA and a server certificate for IP 127.0.0.1 signed by it,
 * made with the openssl CLI into a temporary directory the first time they are asked for, then
 * cached for the rest of the process (the directory is removed when the process exits).
 *
 *   const pki = testPki();
 *   await startFakeCattle({ tls: pki.serverTls });   // https://127.0.0.1:PORT, trusted via pki.caCertPath
 *
 * `otherCaCertPath` is a second CA that signed nothing here: trusting it must not make the server trusted.
 * `wrongHostTls` is signed by the CA for another name: trusted, but not for 127.0.0.1.
 * Only node:child_process/fs/os/path and the openssl binary; nothing from the code under test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  /** The temporary directory that holds every file below. */
  dir: string;
  /** PEM of the private CA (self-signed, CA:TRUE). */
  caCertPath: string;
  caCertPem: string;
  /** Server certificate (subjectAltName IP:127.0.0.1, serverAuth) signed by the CA, and its key. */
  serverCertPath: string;
  serverCertPem: string;
  serverKeyPath: string;
  serverKeyPem: string;
  /** `{ key, cert }` ready for the fakes' `tls` option. */
  serverTls: { key: string; cert: string };
  /** A second, unrelated CA: trusting it alone must not make the server trusted. */
  otherCaCertPath: string;
  otherCaCertPem: string;
  /** Signed by the CA but for DNS:rancher.invalid only: served on 127.0.0.1 it must fail the identity check. */
  wrongHostTls: { key: string; cert: string };
}

let cached: TestPki | undefined;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`test PKI: openssl ${args.join(' ')} failed: ${stderr || String(error)}`);
  }
}

function makeCa(dir: string, name: string, subject: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(
    [
      'req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2', '-subj', subject, '-out', `${name}.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ],
    dir,
  );
}

/** A server key and certificate signed by `ca`, for the given subjectAltName. */
function makeServer(dir: string, name: string, subject: string, altName: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  writeFileSync(
    join(dir, `${name}.ext`),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altName}`,
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`],
    dir,
  );
}

/** The process-wide test PKI; created on first use (a few openssl runs, well under a second). */
export function testPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'rec-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

  makeCa(dir, 'ca', '/CN=rancher-ecr-credentials test CA');
  makeCa(dir, 'other-ca', '/CN=an unrelated test CA');

  makeServer(dir, 'server', '/CN=127.0.0.1', 'IP:127.0.0.1');
  makeServer(dir, 'wrong-host', '/CN=rancher.invalid', 'DNS:rancher.invalid');

  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const serverKeyPem = read('server.key');
  const serverCertPem = read('server.pem');
  cached = {
    dir,
    caCertPath: join(dir, 'ca.pem'),
    caCertPem: read('ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverCertPem,
    serverKeyPath: join(dir, 'server.key'),
    serverKeyPem,
    serverTls: { key: serverKeyPem, cert: serverCertPem },
    otherCaCertPath: join(dir, 'other-ca.pem'),
    otherCaCertPem: read('other-ca.pem'),
    wrongHostTls: { key: read('wrong-host.key'), cert: read('wrong-host.pem') },
  };
  return cached;
}

/**
 * A throwaway PKI for TLS tests, made with the openssl CLI in a temporary directory: a CA, a
 * server certificate for 127.0.0.1 and localhost, a client certificate from the same CA, and a
 * client certificate from a second CA that nothing trusts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';

/** Paths of a certificate and its private key (PEM). */
export interface TestCertificate {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA certificate (PEM path) that signed `server` and `client`. */
  ca: string;
  server: TestCertificate;
  client: TestCertificate;
  /** A client certificate signed by another CA. */
  untrusted: TestCertificate;
  /** Another certificate from the CA, with a fresh serial (a server one unless `client`). */
  issue(name: string, options?: { client?: boolean }): TestCertificate;
  /** The serial number of a certificate file, as node reports peers' (upper-case hex). */
  serialOf(certFile: string): string;
  remove(): void;
}

const CA_CONFIG = `[req]
distinguished_name = dn
x509_extensions = ca
prompt = no
[dn]
CN = TradeSage test CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

/** A random positive serial with no leading zero, so every tool prints it the same way. */
function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return `0x${bytes.toString('hex')}`;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A P-256 key and a certificate for it signed by `ca`, with a random serial. */
function issue(
  dir: string,
  ca: { cert: string; key: string },
  name: string,
  usage: 'serverAuth' | 'clientAuth',
): TestCertificate {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  const csr = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  fs.writeFileSync(
    extensions,
    [
      'basicConstraints = CA:FALSE',
      `extendedKeyUsage = ${usage}`,
      ...(usage === 'serverAuth' ? ['subjectAltName = IP:127.0.0.1,DNS:localhost'] : []),
    ].join('\n'),
  );
  openssl(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      `/CN=${name}`,
    ]),
    dir,
  );
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-days', '2']
      .concat(['-set_serial', serial(), '-extfile', extensions])
      .concat(['-out', cert]),
    dir,
  );
  return { cert, key };
}

function makeCa(dir: string, name: string): TestCertificate {
  const config = path.join(dir, `${name}.cnf`);
  fs.writeFileSync(config, CA_CONFIG.replace('TradeSage test CA', `TradeSage ${name}`));
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  openssl(
    ['req', '-x509', '-config', config, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      .concat(['-nodes', '-keyout', key, '-out', cert, '-days', '2'])
      .concat(['-set_serial', serial()]),
    dir,
  );
  return { cert, key };
}

export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-pki-'));
  const ca = makeCa(dir, 'ca');
  const otherCa = makeCa(dir, 'other-ca');
  return {
    dir,
    ca: ca.cert,
    server: issue(dir, ca, 'server', 'serverAuth'),
    client: issue(dir, ca, 'router', 'clientAuth'),
    untrusted: issue(dir, otherCa, 'intruder', 'clientAuth'),
    issue: (name, options = {}) =>
      issue(dir, ca, name, options.client ? 'clientAuth' : 'serverAuth'),
    serialOf: (certFile) => new X509Certificate(fs.readFileSync(certFile)).serialNumber,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * One JSON POST over HTTPS on a connection of its own, with the client TLS given (a CA to trust,
 * a client certificate): fetch cannot take either.
 */
export function postOverTls(
  url: string,
  body: unknown,
  clientTls: tls.ConnectionOptions,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
        ...clientTls,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode!, body: JSON.parse(text) });
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

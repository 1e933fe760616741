/**
 * A certificate authority and a broker certificate it signs, made with `openssl` for one run:
 * what a private RabbitMQ with TLS (or a Pulse behind a private CA) gives its clients.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A CA's certificate, and a server certificate (with its key) it signed. */
export interface TlsFiles {
  /** The CA certificate (PEM): what a client trusts, as `tls.ca`. */
  ca: string;
  /** The server certificate (PEM), for the host names of `serverNames`. */
  cert: string;
  /** The server certificate's key (PEM). */
  key: string;
}

/**
 * Makes a CA named `caName` and a server certificate it signs for the DNS names given (and
 * no IP address: connecting by address is then refused as a wrong host name), valid one day.
 */
export async function certificateAuthority(
  caName: string,
  serverNames: string[],
): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'tls-ca-'));
  const file = (name: string) => join(dir, name);
  try {
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${caName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      file('ca-key.pem'),
      '-out',
      file('ca.pem'),
    ]);
    await exec('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${serverNames[0]}`,
      '-keyout',
      file('server-key.pem'),
      '-out',
      file('server.csr'),
    ]);
    await writeFile(
      file('server.ext'),
      `subjectAltName=${serverNames.map((name) => `DNS:${name}`).join(',')}\n` +
        'extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
    );
    await exec('openssl', [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-days',
      '1',
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca-key.pem'),
      '-CAcreateserial',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);
    return {
      ca: await readFile(file('ca.pem'), 'utf8'),
      cert: await readFile(file('server.pem'), 'utf8'),
      key: await readFile(file('server-key.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

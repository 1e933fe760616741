/**
 * Temporary credentials: a certificate signed with permanent credentials, granting a subset of
 * their scopes for at most 31 days. The wire format (field order, signed lines) is Taskcluster's.
 */
import { createHmac } from 'node:crypto';
import { InputError } from '../errors.js';
import { slugId } from '../utils/slugid.js';
import type { Certificate, Credentials } from './options.js';

/** The longest span Taskcluster accepts between `start` and `expiry`. */
export const MAX_TEMPORARY_CREDENTIALS_SPAN_MS = 31 * 24 * 60 * 60 * 1000;

/** Options of {@link createTemporaryCredentials}. */
export interface TemporaryCredentialsOptions {
  /** The issuing (permanent) credentials. */
  credentials: Pick<Credentials, 'clientId' | 'accessToken' | 'certificate'>;
  /** When the credentials become valid; a Date or epoch milliseconds. */
  start: Date | number;
  /** When they expire; at most 31 days after `start`. */
  expiry: Date | number;
  /** The scopes granted (the issuer must hold them). */
  scopes: readonly string[];
  /** Named credentials get this clientId (needs `auth:create-client:<name>` on the issuer). */
  name?: string;
  /** A fixed 44-character seed, for reproducible output in tests; random otherwise. */
  seed?: string;
}

function millis(name: string, value: Date | number): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InputError(`${name} must be a Date or epoch milliseconds`);
  }
  return Math.floor(ms);
}

function sign(key: string, text: string, encoding: 'base64' | 'base64url'): string {
  return createHmac('sha256', key).update(text, 'utf8').digest(encoding);
}

/** The lines of a certificate that its signature covers, joined by `\n` with none at the end. */
export function certificateSignatureText(
  certificate: Omit<Certificate, 'signature'>,
  name?: string,
): string {
  const lines = ['version:1'];
  if (name !== undefined) lines.push(`clientId:${name}`, `issuer:${certificate.issuer}`);
  lines.push(
    `seed:${certificate.seed}`,
    `start:${certificate.start}`,
    `expiry:${certificate.expiry}`,
    'scopes:',
    ...certificate.scopes,
  );
  return lines.join('\n');
}

function checkOptions(options: TemporaryCredentialsOptions): void {
  const { credentials, scopes, name } = options;
  if (typeof credentials?.clientId !== 'string' || typeof credentials.accessToken !== 'string') {
    throw new InputError('issuing credentials need a clientId and an accessToken');
  }
  if (credentials.certificate !== undefined && credentials.certificate !== '') {
    throw new InputError('temporary credentials cannot issue temporary credentials');
  }
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
    throw new InputError('scopes must be an array of strings');
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new InputError('name must be a non-empty string');
  }
  if (name === credentials.clientId) {
    throw new InputError('the name of temporary credentials must differ from the issuer');
  }
  if (
    options.seed !== undefined &&
    (typeof options.seed !== 'string' || options.seed.length !== 44)
  ) {
    throw new InputError('seed must be 44 characters (two slugids)');
  }
}

/** Create temporary credentials from an options object. */
export function createTemporaryCredentials(options: TemporaryCredentialsOptions): Credentials;
/** The seed's positional form: issuer clientId and accessToken, start, expiry, scopes, name. */
export function createTemporaryCredentials(
  clientId: string,
  accessToken: string,
  start: Date | number,
  expiry: Date | number,
  scopes: readonly string[],
  name?: string,
): Credentials;
export function createTemporaryCredentials(
  first: TemporaryCredentialsOptions | string,
  ...rest: unknown[]
): Credentials {
  const options =
    typeof first === 'string'
      ? positionalOptions(first, rest)
      : (first as TemporaryCredentialsOptions | undefined);
  if (typeof options !== 'object' || options === null) {
    throw new InputError('createTemporaryCredentials needs options or positional arguments');
  }
  checkOptions(options);
  const start = millis('start', options.start);
  const expiry = millis('expiry', options.expiry);
  if (expiry <= start) throw new InputError('expiry must be after start');
  if (expiry - start > MAX_TEMPORARY_CREDENTIALS_SPAN_MS) {
    throw new InputError('temporary credentials cannot last more than 31 days');
  }
  const issuer = options.credentials.clientId;
  const seed = options.seed ?? slugId() + slugId();
  const unsigned: Omit<Certificate, 'signature'> = {
    version: 1,
    scopes: [...options.scopes],
    start,
    expiry,
    seed,
    ...(options.name === undefined ? {} : { issuer }),
  };
  const signature = sign(
    options.credentials.accessToken,
    certificateSignatureText(unsigned, options.name),
    'base64',
  );
  // Field order as Taskcluster writes it: signature before issuer.
  const certificate: Certificate = {
    version: 1,
    scopes: unsigned.scopes,
    start,
    expiry,
    seed,
    signature,
    ...(options.name === undefined ? {} : { issuer }),
  };
  return {
    clientId: options.name ?? issuer,
    accessToken: sign(options.credentials.accessToken, seed, 'base64url'),
    certificate: JSON.stringify(certificate),
  };
}

function positionalOptions(
  clientId: string,
  rest: readonly unknown[],
): TemporaryCredentialsOptions {
  const [accessToken, start, expiry, scopes, name] = rest;
  const options = {
    credentials: { clientId, accessToken },
    start,
    expiry,
    scopes,
    // The seed passes an empty name for unnamed credentials.
    ...(name === undefined || name === '' ? {} : { name }),
  };
  // Checked field by field by checkOptions and millis.
  return options as TemporaryCredentialsOptions;
}

/**
 * Checks the certificate of temporary credentials the way Taskcluster's auth service does,
 * and derives the temporary access token that keys the Hawk MAC.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Certificate } from '../client/options.js';
import { slugId } from '../utils/slugid.js';
import { AuthenticationFailure, type ClientLookup } from './clients.js';
import { isScopeList, satisfiesAll } from './scopes.js';

/** The longest span (expiry - start) a certificate may have: 31 days. */
export const MAX_CERTIFICATE_SPAN_MS = 31 * 24 * 60 * 60 * 1000;
/** How far in the future a start, and how far in the past an expiry, is tolerated: 5 minutes. */
export const CERTIFICATE_CLOCK_ALLOWANCE_MS = 5 * 60 * 1000;
/** A seed is two slugids: 44 characters. */
export const CERTIFICATE_SEED_LENGTH = 44;

/** What a valid certificate grants. */
export interface CertifiedCredentials {
  /** The permanent client that issued the certificate. */
  issuer: string;
  /** The temporary access token, the key of the Hawk MAC. */
  accessToken: string;
  /** The certificate's scopes. */
  scopes: string[];
}

/**
 * The certificate fields after shape checks: the client's type, with any version number, so the
 * version check below is the verifier's own (only types come from the client).
 */
type CertificateFields = Omit<Certificate, 'version'> & { version: number };

/** base64url without padding, the encoding of temporary access tokens. */
function base64UrlNoPadding(bytes: Buffer): string {
  return bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The temporary access token: base64url (no `=`) of HMAC-SHA256(issuer access token, seed). */
export function temporaryAccessToken(issuerAccessToken: string, seed: string): string {
  return base64UrlNoPadding(createHmac('sha256', issuerAccessToken).update(seed).digest());
}

/** The lines the certificate signature covers, joined by `\n` without a trailing newline. */
function signedText(cert: Omit<CertificateFields, 'signature'>, clientId: string): string {
  const lines = ['version:1'];
  if (cert.issuer !== undefined) {
    lines.push(`clientId:${clientId}`, `issuer:${cert.issuer}`);
  }
  lines.push(`seed:${cert.seed}`, `start:${cert.start}`, `expiry:${cert.expiry}`, 'scopes:');
  lines.push(...cert.scopes);
  return lines.join('\n');
}

/** Parses a certificate sent as an object or as a JSON string, and checks its field types. */
function parseFields(raw: unknown): CertificateFields {
  let cert = raw;
  if (typeof raw === 'string') {
    try {
      cert = JSON.parse(raw);
    } catch {
      throw new AuthenticationFailure('ext.certificate is not valid JSON');
    }
  }
  if (typeof cert !== 'object' || cert === null || Array.isArray(cert)) {
    throw new AuthenticationFailure('ext.certificate must be a JSON object');
  }
  const c = cert as Record<string, unknown>;
  if (c.version !== 1) {
    throw new AuthenticationFailure('ext.certificate.version must be 1');
  }
  if (typeof c.seed !== 'string' || c.seed.length !== CERTIFICATE_SEED_LENGTH) {
    throw new AuthenticationFailure(
      `ext.certificate.seed must be a string of ${CERTIFICATE_SEED_LENGTH} characters`,
    );
  }
  if (!Number.isInteger(c.start) || !Number.isInteger(c.expiry)) {
    throw new AuthenticationFailure('ext.certificate.start and expiry must be integers (ms)');
  }
  if (!isScopeList(c.scopes)) {
    throw new AuthenticationFailure('ext.certificate.scopes must be a list of strings');
  }
  if (typeof c.signature !== 'string') {
    throw new AuthenticationFailure('ext.certificate.signature must be a string');
  }
  if (c.issuer !== undefined && typeof c.issuer !== 'string') {
    throw new AuthenticationFailure('ext.certificate.issuer must be a string');
  }
  const fields: CertificateFields = {
    version: 1,
    scopes: c.scopes,
    start: c.start as number,
    expiry: c.expiry as number,
    seed: c.seed,
    signature: c.signature,
  };
  if (c.issuer !== undefined) {
    fields.issuer = c.issuer;
  }
  return fields;
}

/** Rejects a certificate outside its time window or with too long a span. */
function checkTimes(cert: CertificateFields, now: number): void {
  if (cert.expiry - cert.start > MAX_CERTIFICATE_SPAN_MS) {
    throw new AuthenticationFailure('ext.certificate cannot last longer than 31 days');
  }
  if (cert.start > now + CERTIFICATE_CLOCK_ALLOWANCE_MS) {
    throw new AuthenticationFailure('ext.certificate.start is more than 5 minutes in the future');
  }
  if (cert.expiry < now - CERTIFICATE_CLOCK_ALLOWANCE_MS) {
    throw new AuthenticationFailure('ext.certificate.expiry is in the past');
  }
}

/**
 * Checks a certificate presented by `clientId` and returns what it grants, or throws an
 * {@link AuthenticationFailure}. Named credentials carry their issuer; unnamed ones are issued
 * by `clientId` itself.
 */
export function checkCertificate(
  raw: unknown,
  clientId: string,
  lookup: ClientLookup,
  now: number,
): CertifiedCredentials {
  const cert = parseFields(raw);
  checkTimes(cert, now);
  if (cert.issuer === clientId) {
    throw new AuthenticationFailure('ext.certificate.issuer must differ from the clientId');
  }
  const issuer = cert.issuer ?? clientId;
  const issuingClient = lookup(issuer);
  if (!issuingClient) {
    throw new AuthenticationFailure(`ext.certificate issuer \`${issuer}\` is not a known client`);
  }
  const expected = createHmac('sha256', issuingClient.accessToken)
    .update(signedText(cert, clientId))
    .digest();
  const given = Buffer.from(cert.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AuthenticationFailure('ext.certificate.signature is not valid');
  }
  if (!satisfiesAll(issuingClient.scopes, cert.scopes)) {
    throw new AuthenticationFailure(
      `ext.certificate issuer \`${issuer}\` does not have the scopes of the certificate`,
    );
  }
  return {
    issuer,
    accessToken: temporaryAccessToken(issuingClient.accessToken, cert.seed),
    scopes: cert.scopes,
  };
}

/** Temporary credentials as a service of the simulated deployment hands them out. */
export interface IssuedCredentials {
  clientId: string;
  accessToken: string;
  /** The certificate as a JSON string. */
  certificate: string;
}

/**
 * Issues unnamed temporary credentials from a permanent client, as the queue does for object
 * artifacts; the same checks as for any client's certificate apply when they are used.
 */
export function issueTemporaryCredentials(
  issuer: { clientId: string; accessToken: string },
  scopes: string[],
  start: number,
  expiry: number,
): IssuedCredentials {
  const fields = { version: 1, scopes, start, expiry, seed: slugId() + slugId() };
  const signature = createHmac('sha256', issuer.accessToken)
    .update(signedText(fields, issuer.clientId))
    .digest('base64');
  return {
    clientId: issuer.clientId,
    accessToken: temporaryAccessToken(issuer.accessToken, fields.seed),
    certificate: JSON.stringify({ ...fields, signature }),
  };
}

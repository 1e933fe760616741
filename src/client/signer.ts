/**
 * Hawk signing of requests and URLs with Taskcluster credentials. The Hawk credentials object and
 * the `ext` attribute are built once per client; each attempt only computes a fresh header.
 */
import { client as hawkClient, crypto as hawkCrypto } from 'hawk';
import { InputError } from '../errors.js';
import { nextNonce } from './nonce.js';
import type { Certificate, Credentials } from './options.js';
import type { ServiceBase } from './url.js';

/** Hawk credentials as the `hawk` package takes them. */
interface HawkCredentials {
  readonly id: string;
  readonly key: string;
  readonly algorithm: 'sha256';
}

/**
 * The already-split URL that Hawk signs. The `hawk` client accepts such an object (its own parse
 * result shape) besides a string; passing it saves parsing the URL again on every attempt.
 */
interface HawkUri {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number;
  readonly pathname: string;
  readonly search: string;
}

// The published typings only declare the string form of the URI argument (see HawkUri).
const hawkHeader = hawkClient.header as unknown as (
  uri: HawkUri,
  method: string,
  options: { credentials: HawkCredentials; nonce: string; ext?: string; hash?: string },
) => { header: string };
const hawkBewit = hawkClient.getBewit as unknown as (
  uri: HawkUri,
  options: { credentials: HawkCredentials; ttlSec: number; ext?: string; localtimeOffsetMsec: 0 },
) => string;

/** The content type of every request body, part of the Hawk payload hash. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Signs requests and URLs of one client. */
export interface Signer {
  /** The `Authorization` header for one attempt; `resource` is the exact path and query sent. */
  authorization(method: string, resource: string, payloadHash: string | undefined): string;
  /** The Hawk payload hash of a JSON body, computed once per request. */
  payloadHash(body: string): string;
  /** The bewit query value for a GET of `resource`, valid `ttlSeconds`. */
  bewit(resource: string, ttlSeconds: number): string;
}

/** Parse and check a certificate given as a JSON string or an object. */
export function parseCertificate(certificate: string | Certificate): Certificate {
  let value: unknown = certificate;
  if (typeof certificate === 'string') {
    try {
      value = JSON.parse(certificate);
    } catch (cause) {
      // The certificate itself holds a signature: do not quote it.
      throw new InputError('credentials.certificate is not valid JSON', { cause });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('credentials.certificate must be a JSON object');
  }
  return value as Certificate;
}

/** Taskcluster's `ext`: base64 JSON `{certificate?, authorizedScopes?}`, or undefined if empty. */
function taskclusterExt(
  certificate: Certificate | undefined,
  authorizedScopes: readonly string[] | undefined,
): string | undefined {
  if (certificate === undefined && authorizedScopes === undefined) return undefined;
  const ext: { certificate?: Certificate; authorizedScopes?: readonly string[] } = {};
  if (certificate !== undefined) ext.certificate = certificate;
  if (authorizedScopes !== undefined) ext.authorizedScopes = authorizedScopes;
  return Buffer.from(JSON.stringify(ext), 'utf8').toString('base64');
}

/** A signer for requests to `base` with these credentials. */
export function createSigner(
  base: ServiceBase,
  credentials: Credentials,
  authorizedScopes: readonly string[] | undefined,
): Signer {
  const hawkCredentials: HawkCredentials = {
    id: credentials.clientId,
    key: credentials.accessToken,
    algorithm: 'sha256',
  };
  const certificate =
    credentials.certificate === undefined ? undefined : parseCertificate(credentials.certificate);
  const ext = taskclusterExt(certificate, authorizedScopes);
  const uri = (resource: string): HawkUri => ({
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port,
    pathname: resource,
    search: '',
  });
  return {
    authorization(method, resource, payloadHash) {
      const options: { credentials: HawkCredentials; nonce: string; ext?: string; hash?: string } =
        { credentials: hawkCredentials, nonce: nextNonce() };
      if (ext !== undefined) options.ext = ext;
      if (payloadHash !== undefined) options.hash = payloadHash;
      return hawkHeader(uri(resource), method, options).header;
    },
    payloadHash(body) {
      return hawkCrypto.calculatePayloadHash(body, 'sha256', JSON_CONTENT_TYPE);
    },
    bewit(resource, ttlSeconds) {
      const options: {
        credentials: HawkCredentials;
        ttlSec: number;
        ext?: string;
        localtimeOffsetMsec: 0;
      } = { credentials: hawkCredentials, ttlSec: ttlSeconds, localtimeOffsetMsec: 0 };
      if (ext !== undefined) options.ext = ext;
      return hawkBewit(uri(resource), options);
    },
  };
}

/**
 * Hawk signing of requests and URLs with Taskcluster credentials, by the `hawk` package's client,
 * the implementation Taskcluster's services verify with. What does not change between requests
 * is prepared once per client and handed to it as it is: the HMAC key as a `KeyObject` (a string
 * key costs a key set-up on every HMAC), the `ext` attribute, and the host and port as the parts
 * of an already parsed URL, so that hawk parses nothing per request. Nonces come from a pool
 * (nonce.ts) rather than from hawk's one system call per nonce.
 *
 * hawk is loaded on the first signature rather than with the package: with its `@hapi`
 * dependencies it is a good part of the package's import time, which a program that never signs
 * (bindings only, unauthenticated calls) would pay for nothing.
 */

import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';
import { nextNonce } from './nonce.js';
import type { Certificate, Credentials } from './options.js';
import type { ServiceBase } from './url.js';

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

/** Taskcluster's `ext`: base64 JSON `{certificate?, authorizedScopes?}`, or none if empty. */
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

/** Hawk credentials with the key prepared once per client. */
interface HawkCredentials {
  readonly id: string;
  /** hawk hands the key to `crypto.createHmac`, which takes a `KeyObject` as well as a string. */
  readonly key: KeyObject;
  readonly algorithm: 'sha256';
}

/**
 * A URL as hawk takes it (a string, or the parts `url.parse` gives): hawk signs
 * `pathname + search` for the host and port. Given the path and query as one `pathname`, it
 * signs them exactly as sent.
 */
interface HawkUri {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  readonly pathname: string;
}

/** The parts of the `hawk` package this module calls, as its source documents them. */
interface HawkPackage {
  readonly client: {
    header(
      uri: HawkUri,
      method: string,
      options: { credentials: HawkCredentials; ext?: string; nonce: string; hash?: string },
    ): { header: string };
    getBewit(
      uri: HawkUri,
      options: { credentials: HawkCredentials; ttlSec: number; ext?: string },
    ): string;
  };
  readonly crypto: {
    calculatePayloadHash(payload: string, algorithm: 'sha256', contentType: string): string;
  };
}

let loadedHawk: HawkPackage | undefined;

/** The `hawk` package, required on first use (see above). */
function hawk(): HawkPackage {
  loadedHawk ??= createRequire(import.meta.url)('hawk') as HawkPackage;
  return loadedHawk;
}

/** A signer for requests to `base` with these credentials. */
export function createSigner(
  base: ServiceBase,
  credentials: Credentials,
  authorizedScopes: readonly string[] | undefined,
): Signer {
  const hawkCredentials: HawkCredentials = {
    id: credentials.clientId,
    key: createSecretKey(Buffer.from(credentials.accessToken, 'utf8')),
    algorithm: 'sha256',
  };
  const certificate =
    credentials.certificate === undefined ? undefined : parseCertificate(credentials.certificate);
  const ext = taskclusterExt(certificate, authorizedScopes);
  // The host and port as the server sees them in the Host header.
  const uri = (resource: string): HawkUri => ({
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port,
    pathname: resource,
  });
  const withExt = ext === undefined ? {} : { ext };
  return {
    authorization(method, resource, payloadHash) {
      // A fresh timestamp (hawk's clock) and nonce per attempt: the server refuses replays.
      return hawk().client.header(uri(resource), method, {
        credentials: hawkCredentials,
        nonce: nextNonce(),
        ...(payloadHash === undefined ? {} : { hash: payloadHash }),
        ...withExt,
      }).header;
    },
    payloadHash(body) {
      return hawk().crypto.calculatePayloadHash(body, 'sha256', JSON_CONTENT_TYPE);
    },
    bewit(resource, ttlSeconds) {
      return hawk().client.getBewit(uri(resource), {
        credentials: hawkCredentials,
        ttlSec: ttlSeconds,
        ...withExt,
      });
    },
  };
}

/**
 * Hawk signing of requests and URLs with Taskcluster credentials, with `node:crypto` directly:
 * everything that does not change between requests (the HMAC key, the `ext` attribute, the host
 * and port lines of the normalized string, the header's fixed parts) is prepared once per client,
 * so that an attempt only joins strings and computes one HMAC.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
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

/** Taskcluster's `ext`: base64 JSON `{certificate?, authorizedScopes?}`, or '' if empty. */
function taskclusterExt(
  certificate: Certificate | undefined,
  authorizedScopes: readonly string[] | undefined,
): string {
  if (certificate === undefined && authorizedScopes === undefined) return '';
  const ext: { certificate?: Certificate; authorizedScopes?: readonly string[] } = {};
  if (certificate !== undefined) ext.certificate = certificate;
  if (authorizedScopes !== undefined) ext.authorizedScopes = authorizedScopes;
  // Base64 holds neither `\`, `"` nor a newline: it needs no escaping in the normalized string
  // nor in the header attribute.
  return Buffer.from(JSON.stringify(ext), 'utf8').toString('base64');
}

/** Seconds since the epoch, as Hawk timestamps count them. */
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The host and port lines of Hawk's normalized string, joined once per client. */
export function hawkHostPort(host: string, port: number): string {
  return `${host.toLowerCase()}\n${port}\n`;
}

/** What one Hawk MAC covers besides its type; `hash` and `ext` are '' when absent. */
export interface HawkArtifacts {
  readonly ts: number;
  readonly nonce: string;
  /** Upper case. */
  readonly method: string;
  /** The path and query, exactly as sent. */
  readonly resource: string;
  /** From {@link hawkHostPort}. */
  readonly hostPort: string;
  readonly hash: string;
  /** Must hold no `\\` nor newline (Hawk would escape them; Taskcluster's base64 `ext` has none). */
  readonly ext: string;
}

/**
 * The Hawk MAC (HMAC-SHA256, base64) of the normalized string
 * `hawk.1.<type>\n<ts>\n<nonce>\n<method>\n<resource>\n<host>\n<port>\n<hash>\n<ext>\n`.
 * The key is a `KeyObject`, made once per client: a string key costs a key set-up on every HMAC.
 */
export function hawkMac(key: KeyObject, type: 'header' | 'bewit', a: HawkArtifacts): string {
  return createHmac('sha256', key)
    .update(
      `hawk.1.${type}\n${a.ts}\n${a.nonce}\n${a.method}\n${a.resource}\n${a.hostPort}${a.hash}\n${a.ext}\n`,
    )
    .digest('base64');
}

/** Hawk's payload hash (SHA-256, base64) of a body of `contentType`. */
export function hawkPayloadHash(body: string, contentType: string): string {
  return createHash('sha256').update(`hawk.1.payload\n${contentType}\n${body}\n`).digest('base64');
}

/** A signer for requests to `base` with these credentials. */
export function createSigner(
  base: ServiceBase,
  credentials: Credentials,
  authorizedScopes: readonly string[] | undefined,
): Signer {
  const key = createSecretKey(Buffer.from(credentials.accessToken, 'utf8'));
  const certificate =
    credentials.certificate === undefined ? undefined : parseCertificate(credentials.certificate);
  const ext = taskclusterExt(certificate, authorizedScopes);
  // The host and port lines, as the server sees them in the Host header.
  const hostPort = hawkHostPort(base.hostname, base.port);
  const headerStart = `Hawk id="${credentials.clientId}", ts="`;
  const headerExt = ext === '' ? '' : `", ext="${ext}`;
  const bewitId = `${credentials.clientId}\\`;
  return {
    authorization(method, resource, payloadHash) {
      const ts = nowSeconds();
      const nonce = nextNonce();
      const hash = payloadHash ?? '';
      const mac = hawkMac(key, 'header', { ts, nonce, method, resource, hostPort, hash, ext });
      return `${headerStart}${ts}", nonce="${nonce}${hash === '' ? '' : `", hash="${hash}`}${headerExt}", mac="${mac}"`;
    },
    payloadHash(body) {
      return hawkPayloadHash(body, JSON_CONTENT_TYPE);
    },
    bewit(resource, ttlSeconds) {
      const exp = nowSeconds() + ttlSeconds;
      const mac = hawkMac(key, 'bewit', {
        ts: exp,
        nonce: '',
        method: 'GET',
        resource,
        hostPort,
        hash: '',
        ext,
      });
      return Buffer.from(`${bewitId}${exp}\\${mac}\\${ext}`, 'utf8').toString('base64url');
    },
  };
}

/**
 * Test side of the simulated server's tests: requests signed with the `hawk` package's client
 * side (never with the project's own client), and certificates built by hand.
 */
import { createHmac } from 'node:crypto';
import * as hawk from 'hawk';

/** Credentials as a test presents them. */
export interface TestCredentials {
  clientId: string;
  accessToken: string;
  certificate?: object | string;
  authorizedScopes?: string[];
}

/** Taskcluster's ext: base64 JSON `{certificate?, authorizedScopes?}`, or undefined when empty. */
export function extFor(credentials: TestCredentials): string | undefined {
  const ext: Record<string, unknown> = {};
  if (credentials.certificate !== undefined) {
    ext.certificate =
      typeof credentials.certificate === 'string'
        ? JSON.parse(credentials.certificate)
        : credentials.certificate;
  }
  if (credentials.authorizedScopes !== undefined) {
    ext.authorizedScopes = credentials.authorizedScopes;
  }
  return Object.keys(ext).length === 0
    ? undefined
    : Buffer.from(JSON.stringify(ext)).toString('base64');
}

/** A request to send to the simulated server. */
export interface TestRequest {
  method: string;
  /** Path and query, e.g. `/api/auth/v1/test-authenticate-get/`. */
  path: string;
  credentials?: TestCredentials;
  /** A JSON payload. */
  payload?: unknown;
  /** Whether to sign the payload hash (Hawk's optional `hash`). */
  hashPayload?: boolean;
  /** Offset of the signing clock from the real one, in ms. */
  offsetMs?: number;
  /** Tampers with the body after signing. */
  sendBody?: string;
  /** Uses this Authorization header instead of a computed one. */
  authorization?: string;
  /** Signs this `ext` instead of the one computed from the credentials. */
  ext?: string;
}

/** What came back. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** The Authorization header for a request. */
export function authorizationFor(rootUrl: string, request: TestRequest): string | undefined {
  if (request.credentials === undefined) {
    return undefined;
  }
  const { clientId, accessToken } = request.credentials;
  const options: hawk.client.HeaderOptions = {
    credentials: { id: clientId, key: accessToken, algorithm: 'sha256' },
    localtimeOffsetMsec: request.offsetMs ?? 0,
  };
  const ext = request.ext ?? extFor(request.credentials);
  if (ext !== undefined) {
    options.ext = ext;
  }
  if (request.hashPayload && request.payload !== undefined) {
    options.payload = JSON.stringify(request.payload);
    options.contentType = 'application/json';
  }
  return hawk.client.header(`${rootUrl}${request.path}`, request.method, options).header;
}

/** Sends a request with `fetch`, signed when credentials are given. */
export async function send(rootUrl: string, request: TestRequest): Promise<TestResponse> {
  const headers: Record<string, string> = {};
  const authorization = request.authorization ?? authorizationFor(rootUrl, request);
  if (authorization !== undefined) {
    headers.authorization = authorization;
  }
  let body: string | undefined;
  if (request.payload !== undefined) {
    body = request.sendBody ?? JSON.stringify(request.payload);
    headers['content-type'] = 'application/json';
  }
  const init: RequestInit = { method: request.method, headers, redirect: 'manual' };
  if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(`${rootUrl}${request.path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A URL with a bewit for a GET. */
export function bewitUrl(
  rootUrl: string,
  path: string,
  credentials: TestCredentials,
  ttlSec: number,
  offsetMs = 0,
): string {
  const options: hawk.client.BewitOptions = {
    credentials: {
      id: credentials.clientId,
      key: credentials.accessToken,
      algorithm: 'sha256',
    },
    ttlSec,
    localtimeOffsetMsec: offsetMs,
  };
  const ext = extFor(credentials);
  if (ext !== undefined) {
    options.ext = ext;
  }
  const bewit = hawk.uri.getBewit(`${rootUrl}${path}`, options);
  return `${rootUrl}${path}${path.includes('?') ? '&' : '?'}bewit=${bewit}`;
}

/** The fields of a certificate before it is signed. */
export interface CertificateInputs {
  scopes: string[];
  start: number;
  expiry: number;
  seed: string;
  issuer?: string;
}

/** Signs a certificate as the vectors' README describes, for `clientId`, keyed by the issuer's token. */
export function signCertificate(
  inputs: CertificateInputs,
  clientId: string,
  issuerAccessToken: string,
): Record<string, unknown> {
  const lines = ['version:1'];
  if (inputs.issuer !== undefined) {
    lines.push(`clientId:${clientId}`, `issuer:${inputs.issuer}`);
  }
  lines.push(`seed:${inputs.seed}`, `start:${inputs.start}`, `expiry:${inputs.expiry}`, 'scopes:');
  lines.push(...inputs.scopes);
  const signature = createHmac('sha256', issuerAccessToken)
    .update(lines.join('\n'))
    .digest('base64');
  return { version: 1, ...inputs, signature };
}

/** The temporary access token: base64url (no `=`) of HMAC-SHA256(issuer token, seed). */
export function temporaryToken(issuerAccessToken: string, seed: string): string {
  return createHmac('sha256', issuerAccessToken).update(seed).digest('base64url');
}

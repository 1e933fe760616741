/**
 * Authenticates a request as Taskcluster's auth service does: a Hawk Authorization header or a
 * bewit, verified with the `hawk` package's server side, and Taskcluster's `ext` (temporary
 * credentials' certificate, authorizedScopes) deciding the key and the granted scopes.
 */
import type { IncomingMessage } from 'node:http';
import * as hawk from 'hawk';
import { checkCertificate } from './certificate.js';
import { AuthenticationFailure, type ClientLookup } from './clients.js';
import type { NonceRegistry } from './nonces.js';
import { isScopeList, satisfiesAll } from './scopes.js';

/** Clock skew Taskcluster allows on Hawk headers, in seconds (none on bewits). */
export const HAWK_TIMESTAMP_SKEW_S = 900;

/** The outcome of authenticating one request. */
export type Authentication =
  | { type: 'anonymous' }
  | { type: 'authenticated'; scheme: 'hawk' | 'bewit'; clientId: string; scopes: string[] }
  | { type: 'failed'; message: string };

/** What authentication needs from the server. */
export interface AuthenticationContext {
  /** The table of clients (their scopes expanded). */
  lookup: ClientLookup;
  /** Expands scopes through the deployment's roles. */
  expand: (scopes: readonly string[]) => string[];
  /** The server's clock in epoch ms. */
  now: number;
  /** Host and port the client must have signed (those of the server's root URL). */
  host: string;
  port: number;
  /** Seen nonces, to refuse replays. */
  nonces: NonceRegistry;
}

/** The key and scopes of the credentials a request claims. */
interface ResolvedCredentials {
  key: string;
  scopes: string[];
}

/** Taskcluster's `ext`: base64 of JSON `{certificate?, authorizedScopes?}`. */
function parseExt(ext: string | undefined): Record<string, unknown> {
  if (!ext) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(ext, 'base64').toString('utf8'));
  } catch {
    throw new AuthenticationFailure('Failed to parse ext');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthenticationFailure('ext must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The key and scopes for `clientId` given its `ext`, or an {@link AuthenticationFailure}. */
function resolveCredentials(
  clientId: string,
  ext: string | undefined,
  context: AuthenticationContext,
): ResolvedCredentials {
  const { certificate, authorizedScopes } = parseExt(ext);
  let resolved: ResolvedCredentials;
  if (certificate !== undefined && certificate !== null) {
    const certified = checkCertificate(certificate, clientId, context.lookup, context.now);
    resolved = { key: certified.accessToken, scopes: context.expand(certified.scopes) };
  } else {
    const client = context.lookup(clientId);
    if (!client) {
      throw new AuthenticationFailure(`Unknown clientId \`${clientId}\``);
    }
    resolved = { key: client.accessToken, scopes: client.scopes };
  }
  if (authorizedScopes !== undefined && authorizedScopes !== null) {
    if (!isScopeList(authorizedScopes)) {
      throw new AuthenticationFailure('ext.authorizedScopes must be a list of strings');
    }
    if (!satisfiesAll(resolved.scopes, authorizedScopes)) {
      throw new AuthenticationFailure('ext.authorizedScopes oversteps your scopes');
    }
    resolved = { key: resolved.key, scopes: context.expand(authorizedScopes) };
  }
  return resolved;
}

/** The id and ext of a bewit, read before Hawk verifies it, since the key depends on ext. */
function readBewit(bewit: string): { id: string; ext: string } {
  const parts = Buffer.from(bewit, 'base64url').toString('utf8').split('\\');
  if (parts.length !== 4 || !parts[0]) {
    throw new AuthenticationFailure('Invalid bewit structure');
  }
  return { id: parts[0], ext: parts[3] ?? '' };
}

/** A Hawk error's message (hawk's messages hold no secrets, e.g. `Bad mac`). */
function hawkMessage(error: unknown): string {
  return error instanceof Error ? `Hawk: ${error.message}` : 'Hawk: authentication failed';
}

async function authenticateHeader(
  req: IncomingMessage,
  authorization: string,
  rawBody: Buffer,
  context: AuthenticationContext,
): Promise<Authentication> {
  let attributes: Record<string, string>;
  try {
    attributes = hawk.utils.parseAuthorizationHeader(authorization);
  } catch (error) {
    return { type: 'failed', message: hawkMessage(error) };
  }
  const clientId = attributes.id ?? '';
  const resolved = resolveCredentials(clientId, attributes.ext, context);
  const options: hawk.server.AuthenticateOptions = {
    host: context.host,
    port: context.port,
    timestampSkewSec: HAWK_TIMESTAMP_SKEW_S,
    localtimeOffsetMsec: context.now - Date.now(),
    nonceFunc: (key, nonce, ts) => context.nonces.use(key, nonce, ts, context.now),
  };
  // Taskcluster verifies the payload only when the client sent its hash.
  if (attributes.hash !== undefined) {
    options.payload = rawBody.toString('utf8');
  }
  try {
    await hawk.server.authenticate(
      req,
      () => ({ key: resolved.key, algorithm: 'sha256', user: clientId }),
      options,
    );
  } catch (error) {
    return { type: 'failed', message: hawkMessage(error) };
  }
  return { type: 'authenticated', scheme: 'hawk', clientId, scopes: resolved.scopes };
}

async function authenticateBewit(
  req: IncomingMessage,
  bewit: string,
  context: AuthenticationContext,
): Promise<Authentication> {
  const { id, ext } = readBewit(bewit);
  const resolved = resolveCredentials(id, ext, context);
  try {
    await hawk.uri.authenticate(req, () => ({ key: resolved.key, algorithm: 'sha256', user: id }), {
      host: context.host,
      port: context.port,
      localtimeOffsetMsec: context.now - Date.now(),
    });
  } catch (error) {
    return { type: 'failed', message: hawkMessage(error) };
  }
  return { type: 'authenticated', scheme: 'bewit', clientId: id, scopes: resolved.scopes };
}

/**
 * Authenticates a request whose body has been read. A request with neither an Authorization
 * header nor a bewit is anonymous: the server grants it the anonymous role's scopes.
 */
export async function authenticateRequest(
  req: IncomingMessage,
  bewit: string | undefined,
  rawBody: Buffer,
  context: AuthenticationContext,
): Promise<Authentication> {
  const authorization = req.headers.authorization;
  try {
    if (authorization !== undefined && bewit !== undefined) {
      return { type: 'failed', message: 'Multiple authentications (header and bewit)' };
    }
    if (authorization !== undefined) {
      return await authenticateHeader(req, authorization, rawBody, context);
    }
    if (bewit !== undefined) {
      return await authenticateBewit(req, bewit, context);
    }
  } catch (error) {
    if (error instanceof AuthenticationFailure) {
      return { type: 'failed', message: error.message };
    }
    throw error;
  }
  return { type: 'anonymous' };
}

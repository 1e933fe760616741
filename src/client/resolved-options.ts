/** Client options checked once, with every default applied. */
import { InputError } from '../errors.js';
import {
  type ClientOptions,
  type Credentials,
  DEFAULT_MAX_RETRIES,
  DEFAULT_SIGNED_URL_EXPIRATION_S,
  DEFAULT_TIMEOUT_MS,
  type Logger,
} from './options.js';

/** {@link ClientOptions} after validation, with defaults filled in. */
export interface ResolvedClientOptions {
  readonly rootUrl: string;
  readonly credentials?: Credentials;
  readonly authorizedScopes?: readonly string[];
  readonly maxRetries: number;
  readonly timeout: number;
  readonly signedUrlExpiration: number;
  /**
   * The `fetch` option, only when one was given: without it REST calls go over `node:http` and
   * artifact data over the global `fetch`.
   */
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: Logger;
}

/**
 * What a Hawk header attribute may hold (Hawk's servers refuse anything else): a client id
 * outside it could never authenticate, and some of it (quotes, line breaks) would break the header.
 */
const HAWK_ATTRIBUTE = /^[ \w!#$%&'()*+,\-./:;<=>?@[\]^`{|}~]+$/;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InputError(`option ${name} must be an integer >= ${min}`);
  }
  return value;
}

function checkCredentials(credentials: unknown): Credentials {
  if (typeof credentials !== 'object' || credentials === null) {
    throw new InputError('credentials must be an object {clientId, accessToken, certificate?}');
  }
  const { clientId, accessToken, certificate } = credentials as Record<string, unknown>;
  if (typeof clientId !== 'string' || clientId === '') {
    throw new InputError('credentials.clientId must be a non-empty string');
  }
  if (!HAWK_ATTRIBUTE.test(clientId)) {
    throw new InputError('credentials.clientId holds characters that a Hawk header cannot carry');
  }
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new InputError('credentials.accessToken must be a non-empty string');
  }
  if (certificate === undefined || certificate === '' || certificate === null) {
    return { clientId, accessToken };
  }
  if (typeof certificate !== 'string' && typeof certificate !== 'object') {
    throw new InputError('credentials.certificate must be a JSON string or an object');
  }
  return { clientId, accessToken, certificate: certificate as Credentials['certificate'] & {} };
}

/** Check options and apply the defaults; throws {@link InputError} on anything malformed. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InputError('client options must be an object with at least rootUrl');
  }
  if (typeof options.rootUrl !== 'string' || options.rootUrl === '') {
    throw new InputError('option rootUrl is required (e.g. https://tc.example.com)');
  }
  if (options.authorizedScopes !== undefined && !isStringArray(options.authorizedScopes)) {
    throw new InputError('option authorizedScopes must be an array of strings');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new InputError('option fetch must be a function');
  }
  const resolved: {
    -readonly [K in keyof ResolvedClientOptions]: ResolvedClientOptions[K];
  } = {
    rootUrl: options.rootUrl,
    maxRetries: checkCount('maxRetries', options.maxRetries ?? DEFAULT_MAX_RETRIES, 0),
    timeout: checkCount('timeout', options.timeout ?? DEFAULT_TIMEOUT_MS, 1),
    signedUrlExpiration: checkCount(
      'signedUrlExpiration',
      options.signedUrlExpiration ?? DEFAULT_SIGNED_URL_EXPIRATION_S,
      1,
    ),
  };
  if (options.credentials !== undefined) {
    resolved.credentials = checkCredentials(options.credentials);
  }
  if (options.authorizedScopes !== undefined) resolved.authorizedScopes = options.authorizedScopes;
  if (options.logger !== undefined) resolved.logger = options.logger;
  if (options.fetch !== undefined) resolved.fetch = options.fetch;
  return resolved;
}

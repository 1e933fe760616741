/** Client options checked once, with every default applied. */

import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkSignal } from './abort.js';
import {
  checkFake,
  checkFakeSchemas,
  type FakeImplementations,
  type FakeResultSchemas,
} from './fake.js';
import {
  type ClientOptions,
  type Credentials,
  DEFAULT_DELAY_FACTOR_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RANDOMIZATION_FACTOR,
  DEFAULT_SIGNED_URL_EXPIRATION_S,
  DEFAULT_TIMEOUT_MS,
} from './options.js';
import type { RetryPolicy } from './retry.js';

/**
 * {@link ClientOptions} after validation, with defaults filled in; the retry count is under
 * `retries` whichever name it was given with.
 */
export interface ResolvedClientOptions extends RetryPolicy {
  readonly rootUrl: string;
  readonly credentials?: Credentials;
  readonly authorizedScopes?: readonly string[];
  readonly timeout: number;
  readonly signedUrlExpiration: number;
  /**
   * The `fetch` option, only when one was given: without it REST calls go over `node:http` and
   * artifact data over the global `fetch`.
   */
  readonly fetch?: typeof globalThis.fetch;
  readonly logger?: Logger;
  readonly traceId?: string;
  readonly signal?: AbortSignal;
  /** A service client's `fake` option: its calls are answered by these, nothing is sent. */
  readonly fake?: FakeImplementations;
  /** A service client's `fakeSchemas` option: what its fakes' results are checked against. */
  readonly fakeSchemas?: FakeResultSchemas;
}

/**
 * Every option of {@link ClientOptions}, and a service client's `fake` and `fakeSchemas`:
 * anything else is refused, so that a misspelt option, or one of the official client's that
 * this package does not have, is never silently ignored.
 */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    rootUrl: true,
    credentials: true,
    authorizedScopes: true,
    retries: true,
    maxRetries: true,
    delayFactor: true,
    randomizationFactor: true,
    maxDelay: true,
    timeout: true,
    signedUrlExpiration: true,
    fetch: true,
    logger: true,
    traceId: true,
    signal: true,
    fake: true,
    fakeSchemas: true,
  } satisfies Record<keyof ClientOptions | 'fake' | 'fakeSchemas', true>),
);

/** Options of the official taskcluster-client that have no counterpart here, and why. */
const OFFICIAL_ONLY_OPTIONS: Readonly<Record<string, string>> = {
  agent: 'requests share one keep-alive agent per origin; inject `fetch` to send them another way',
  serviceDiscoveryScheme: 'give the service URL you want to reach as rootUrl',
  baseUrl: 'give the deployment as rootUrl',
};

/** A value a header can carry: visible ASCII and spaces (no line breaks, no control characters). */
const HEADER_VALUE = /^[\x20-\x7e]+$/;

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

function checkMilliseconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InputError(`option ${name} must be a finite number of milliseconds >= 0`);
  }
  return value;
}

function checkRandomizationFactor(value: unknown): number {
  // The official client refuses 1 and above too: a factor of 1 could make a delay 0.
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InputError('option randomizationFactor must be a number >= 0 and < 1');
  }
  return value;
}

/** The retry count from `retries` or its alias `maxRetries`, of which at most one may be given. */
function retriesOf(options: ClientOptions): number {
  if (options.retries !== undefined && options.maxRetries !== undefined) {
    throw new InputError('options retries and maxRetries are one setting: give one of them');
  }
  const name = options.maxRetries === undefined ? 'retries' : 'maxRetries';
  return checkCount(name, options.retries ?? options.maxRetries ?? DEFAULT_MAX_RETRIES, 0);
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

/**
 * Check options (a service client's with its `fake` and `fakeSchemas`) and apply the
 * defaults; throws {@link InputError} on anything malformed.
 */
export function resolveClientOptions(
  options: ClientOptions & { readonly fake?: unknown; readonly fakeSchemas?: unknown },
): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InputError('client options must be an object with at least rootUrl');
  }
  for (const name of Object.keys(options)) {
    if (OPTION_NAMES.has(name)) continue;
    const reason = OFFICIAL_ONLY_OPTIONS[name];
    throw new InputError(
      reason === undefined
        ? `unknown client option ${JSON.stringify(name)} (options: ${[...OPTION_NAMES].join(', ')})`
        : `client option ${JSON.stringify(name)} of the official client is not supported: ${reason}`,
    );
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
  if (
    options.traceId !== undefined &&
    (typeof options.traceId !== 'string' || !HEADER_VALUE.test(options.traceId))
  ) {
    throw new InputError('option traceId must be a non-empty string of printable ASCII');
  }
  const resolved: {
    -readonly [K in keyof ResolvedClientOptions]: ResolvedClientOptions[K];
  } = {
    rootUrl: options.rootUrl,
    retries: retriesOf(options),
    delayFactor: checkMilliseconds('delayFactor', options.delayFactor ?? DEFAULT_DELAY_FACTOR_MS),
    randomizationFactor: checkRandomizationFactor(
      options.randomizationFactor ?? DEFAULT_RANDOMIZATION_FACTOR,
    ),
    maxDelay: checkMilliseconds('maxDelay', options.maxDelay ?? DEFAULT_MAX_DELAY_MS),
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
  if (options.traceId !== undefined) resolved.traceId = options.traceId;
  const signal = checkSignal('option signal', options.signal);
  if (signal !== undefined) resolved.signal = signal;
  const fake = checkFake(options.fake);
  if (fake !== undefined) resolved.fake = fake;
  const fakeSchemas = checkFakeSchemas(options.fakeSchemas);
  if (fakeSchemas !== undefined) {
    // Checks of nothing: a client without fakes sends its calls, whose answers are the services'.
    if (fake === undefined) {
      throw new InputError('option fakeSchemas checks the results of fakes: give fake too');
    }
    resolved.fakeSchemas = fakeSchemas;
  }
  return resolved;
}

/**
 * The options of a client derived with `use(updates)`: the current ones with `updates` over
 * them, key by key (a new `credentials` replaces the old as a whole). A key whose value is
 * `undefined` keeps the current value, as the official client's `use()` does; `maxRetries`
 * replaces `retries` as its alias. The result is checked as any client's options are.
 */
export function derivedOptions(current: ResolvedClientOptions, updates: unknown): ClientOptions {
  if (typeof updates !== 'object' || updates === null || Array.isArray(updates)) {
    throw new InputError('use() takes an object of client options, e.g. use({ authorizedScopes })');
  }
  const merged: Record<string, unknown> = { ...current };
  const given = updates as Record<string, unknown>;
  // The alias replaces the current count; given with `retries` too, the check refuses both.
  if (given.maxRetries !== undefined && given.retries === undefined) delete merged.retries;
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged as unknown as ClientOptions;
}

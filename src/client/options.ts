/**
 * Options of the Taskcluster REST client, and their defaults as named constants.
 *
 * Every default the client applies lives here, so a reader finds them in one place.
 */

import type { Logger } from '../logger.js';

/**
 * Retries after the first attempt of a request that failed with a 5xx, a network error or a
 * timeout: the default of the `retries` option (alias `maxRetries`), as the official client's.
 */
export const DEFAULT_MAX_RETRIES = 5;
/** Time allowed for one attempt of a request, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Lifetime of a signed URL (bewit), in seconds. */
export const DEFAULT_SIGNED_URL_EXPIRATION_S = 900;
/**
 * The default `delayFactor` in milliseconds: retry `n` (1 for the first) waits
 * `2^n * delayFactor` before randomization, so 200 ms, 400 ms, 800 ms, ... (the official
 * client's arithmetic and default).
 */
export const DEFAULT_DELAY_FACTOR_MS = 100;
/**
 * The default `randomizationFactor`: each retry delay is multiplied by a random factor in
 * `[1 - randomizationFactor, 1 + randomizationFactor)`, so that clients failed by the same outage
 * do not retry in step.
 */
export const DEFAULT_RANDOMIZATION_FACTOR = 0.25;
/** The default `maxDelay`: the longest wait before a retry, in milliseconds, after randomization. */
export const DEFAULT_MAX_DELAY_MS = 30_000;
/**
 * Most connections the default transport (over `node:http`, used when no `fetch` is given) opens
 * to one origin at a time, for all clients of it; further requests wait for a free connection.
 */
export const DEFAULT_MAX_SOCKETS = 64;
/**
 * Milliseconds a kept-alive connection of the default transport may stay idle before it is
 * closed; a shorter `Keep-Alive: timeout` announced by the server wins. Idle connections never
 * keep the process alive.
 */
export const DEFAULT_IDLE_SOCKET_TIMEOUT_MS = 15_000;
/** The seed-era deployment whose services live on their own hosts. */
export const LEGACY_ROOT_URL = 'https://taskcluster.net';

/** Taskcluster credentials: permanent, or temporary with a certificate. */
export interface Credentials {
  /** The client id. */
  clientId: string;
  /** The secret access token; never logged nor put in an error. */
  accessToken: string;
  /** The certificate of temporary credentials, as a JSON string or an object. */
  certificate?: string | Certificate;
}

/** The certificate of temporary credentials. */
export interface Certificate {
  version: 1;
  scopes: string[];
  start: number;
  expiry: number;
  seed: string;
  signature: string;
  issuer?: string;
}

/** Options of every Taskcluster service client. */
export interface ClientOptions {
  /** The deployment's root URL, e.g. `https://tc.example.com` (or the taskcluster-proxy URL). */
  rootUrl: string;
  /** Credentials to sign requests with; without them requests are sent unauthenticated. */
  credentials?: Credentials;
  /** Restrict the request to these scopes (a subset of the credentials' scopes). */
  authorizedScopes?: readonly string[];
  /**
   * Retries after the first attempt of a request that failed with a 5xx, a network error or a
   * timeout (never a 4xx); defaults to {@link DEFAULT_MAX_RETRIES}. `retries: 0` sends once.
   */
  retries?: number;
  /** The same setting as `retries`, under this package's earlier name; give one of the two. */
  maxRetries?: number;
  /**
   * Milliseconds; retry `n` (1 for the first) waits `min(2^n * delayFactor * r, maxDelay)`, where
   * `r` is uniform in `[1 - randomizationFactor, 1 + randomizationFactor)`. Defaults to
   * {@link DEFAULT_DELAY_FACTOR_MS}.
   */
  delayFactor?: number;
  /** In `[0, 1)`; 0 makes the delays exact. Defaults to {@link DEFAULT_RANDOMIZATION_FACTOR}. */
  randomizationFactor?: number;
  /** The longest wait before a retry in milliseconds; defaults to {@link DEFAULT_MAX_DELAY_MS}. */
  maxDelay?: number;
  /** Time for one attempt in milliseconds; defaults to {@link DEFAULT_TIMEOUT_MS}. */
  timeout?: number;
  /** Lifetime of signed URLs in seconds; defaults to {@link DEFAULT_SIGNED_URL_EXPIRATION_S}. */
  signedUrlExpiration?: number;
  /**
   * The `fetch` to send every request with (REST calls and artifact data), e.g. to intercept
   * them. Without it, REST calls go over `node:http`/`node:https` with a keep-alive agent per
   * origin (much cheaper per call), and artifact data over the global `fetch`.
   */
  fetch?: typeof globalThis.fetch;
  /** Where debug lines go; `DEBUG_TASKCLUSTER_CLIENT` set in the environment logs to stderr. */
  logger?: Logger;
  /**
   * Sent as the `x-taskcluster-trace-id` header of every API request, as the official client
   * does, so that the services' logs of one operation can be joined; typically set per task or
   * per incoming request with `client.use({ traceId })`.
   */
  traceId?: string;
  /**
   * Aborts every request of this client (and of the clients made from it with `use()`), as a
   * call's own `signal` does, combined with it; artifact and object transfers made with the
   * client honour it too. The handler context's clients have the handler call's signal here.
   */
  signal?: AbortSignal;
}

/**
 * Sending one REST request: signing each attempt, the per-attempt timeout, retries with
 * exponential backoff (retry.ts) on 5xx, network errors and timeouts (never on 4xx), the
 * request's signal, and the response body.
 */
import { throwIfAborted } from './abort.js';
import {
  type ConnectionFailure,
  httpError,
  TaskclusterAbortError,
  TaskclusterConnectionError,
  TaskclusterHttpError,
} from './errors.js';
import type { AttemptLog } from './log.js';
import { type RetryPolicy, waitBeforeRetry } from './retry.js';
import { JSON_CONTENT_TYPE, type Signer } from './signer.js';
import type { RequestTransport } from './transport.js';
import type { ServiceBase } from './url.js';

/** The header that carries the `traceId` option, as the official client names it. */
export const TRACE_ID_HEADER = 'x-taskcluster-trace-id';

/** What every request of one client shares. */
export interface RequestContext {
  readonly base: ServiceBase;
  /** Undefined when the client has no credentials: requests go unsigned. */
  readonly signer: Signer | undefined;
  /** Sends each attempt: over `node:http` by default, or through the user's `fetch`. */
  readonly transport: RequestTransport;
  readonly retry: RetryPolicy;
  /** Per-attempt timeout in milliseconds. */
  readonly timeout: number;
  readonly log: AttemptLog | undefined;
  /** Sent as {@link TRACE_ID_HEADER} when set. */
  readonly traceId: string | undefined;
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  // An empty body (204, or a bodiless 200) resolves to undefined.
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Send `method` to `resource` (the exact path and query under the service's origin) with an
 * optional JSON body, and resolve to the parsed response body. Once `signal` aborts, nothing
 * more is sent: an attempt in flight is cut off, a wait for a retry ends, and the request
 * rejects with a {@link TaskclusterAbortError}.
 */
export async function sendRequest(
  ctx: RequestContext,
  method: string,
  resource: string,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const url = ctx.base.origin + resource;
  const payloadHash =
    body !== undefined && ctx.signer !== undefined ? ctx.signer.payloadHash(body) : undefined;
  let lastFailure: { failure: ConnectionFailure; cause: unknown } | undefined;
  let lastServerError: { statusCode: number; body: unknown } | undefined;
  const attempts = ctx.retry.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await waitBeforeRetry(ctx.retry, attempt - 1, signal);
    throwIfAborted(signal, { method, url, attempts: attempt - 1 });
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = JSON_CONTENT_TYPE;
    if (ctx.traceId !== undefined) headers[TRACE_ID_HEADER] = ctx.traceId;
    if (ctx.signer !== undefined) {
      // A fresh header per attempt: Hawk timestamps and nonces must not be replayed.
      headers.authorization = ctx.signer.authorization(method, resource, payloadHash);
    }
    const started = ctx.log === undefined ? 0 : performance.now();
    const result = await ctx.transport({
      method,
      resource,
      headers,
      body,
      timeout: ctx.timeout,
      signal,
    });
    if (!result.ok) {
      const { reason, cause } = result;
      ctx.log?.({
        method,
        url,
        attempt,
        durationMs: Math.round(performance.now() - started),
        outcome: { type: 'failure', reason },
      });
      if (reason === 'aborted') {
        throw new TaskclusterAbortError({ method, url, attempts: attempt }, cause);
      }
      lastFailure = {
        failure:
          reason === 'timeout' ? { type: 'timeout', timeoutMs: ctx.timeout } : { type: 'network' },
        cause,
      };
      lastServerError = undefined;
      continue;
    }
    const { status, text } = result;
    ctx.log?.({
      method,
      url,
      attempt,
      durationMs: Math.round(performance.now() - started),
      outcome: { type: 'response', status },
    });
    const parsed = parseBody(text);
    const responseBody = parsed.ok ? parsed.value : text;
    if (status >= 500) {
      lastServerError = { statusCode: status, body: responseBody };
      lastFailure = undefined;
      continue;
    }
    if (status >= 400) throw httpError({ method, url, statusCode: status, body: responseBody });
    if (!parsed.ok) {
      throw new TaskclusterHttpError(
        { method, url, statusCode: status, body: text },
        'MalformedResponse',
      );
    }
    // 2xx, and API redirects (303) whose JSON body names the target.
    return parsed.value;
  }
  if (lastServerError !== undefined) throw httpError({ method, url, ...lastServerError });
  const { failure, cause } = lastFailure!;
  throw new TaskclusterConnectionError({ method, url, attempts }, failure, cause);
}

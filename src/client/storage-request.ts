/**
 * Requests to plain storage URLs (S3 and the like, where artifact and object data live): never
 * signed, retried on 5xx and network errors with the REST client's backoff, final on 4xx,
 * aborted by the transfer's signal. Storage URLs are often pre-signed, so only their origin and
 * path appear in logs and errors.
 */
import { eitherSignal, throwIfAborted } from './abort.js';
import {
  type ConnectionFailure,
  httpError,
  TaskclusterAbortError,
  TaskclusterConnectionError,
} from './errors.js';
import { type AttemptLog, type AttemptRecord, attemptLog } from './log.js';
import type { ResolvedClientOptions } from './resolved-options.js';
import { type RetryPolicy, waitBeforeRetry } from './retry.js';

/** What every storage request of one download or upload shares. */
export interface StorageContext {
  readonly fetch: typeof globalThis.fetch;
  /** The client's retries and backoff. */
  readonly retry: RetryPolicy;
  /** Milliseconds allowed to wait for the response, and between two chunks of its body. */
  readonly timeout: number;
  readonly log: AttemptLog | undefined;
  /** Aborts the transfer: the attempt in flight, the body being read, the wait for a retry. */
  readonly signal: AbortSignal | undefined;
}

/** One storage request; `body` is called once per attempt, so that each gets a fresh body. */
export interface StorageRequest {
  readonly method: 'GET' | 'PUT';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: () => Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
  /**
   * Called before each retry: the URL to send it to (a pre-signed URL may have expired while
   * the attempts went on, and its issuer hands out a fresh one).
   */
  readonly urlForRetry?: (() => Promise<string>) | undefined;
}

/** A successful (2xx) response, handed to the consumer of one attempt. */
export interface StorageAttempt {
  readonly response: Response;
  /** The URL without query or fragment, safe to put in messages. */
  readonly safeUrl: string;
  /**
   * Restarts the idle timeout; call it for every chunk of the body that arrives. The timeout
   * stops when `consume` returns: a body handed on is read at its reader's pace.
   */
  progress(): void;
  /**
   * Throws the request's `TaskclusterAbortError` once its signal aborted: reading the body then
   * fails with the signal's reason, which this names.
   */
  throwIfAborted(): void;
}

/**
 * The storage context of the clients made with these options, for a transfer whose own signal
 * (combined with the options' `signal`) is `signal`.
 */
export function storageContext(
  options: ResolvedClientOptions,
  signal?: AbortSignal,
): StorageContext {
  return {
    fetch: options.fetch ?? globalThis.fetch,
    retry: options,
    timeout: options.timeout,
    log: attemptLog(options.logger),
    signal: eitherSignal(options.signal, signal),
  };
}

/** `url` without credentials, query or fragment: pre-signed URLs carry secrets there. */
export function safeStorageUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Errors that a new attempt may cure: the connection failed, broke off or timed out. */
function isRetryable(error: unknown, timedOut: boolean): boolean {
  return (
    timedOut ||
    // fetch reports network failures, and bodies that break off, as TypeErrors.
    error instanceof TypeError ||
    isAbort(error)
  );
}

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Send `request` until a 2xx response is consumed by `consume`, a 4xx arrives (thrown as a
 * `TaskclusterHttpError`) or the attempts run out (the last 5xx as a `TaskclusterHttpError`, or
 * a `TaskclusterConnectionError`). Errors `consume` throws end the request unless they are
 * network errors or timeouts (a body that breaks off is one). Once the context's signal aborts,
 * nothing more is sent and the request rejects with a `TaskclusterAbortError`.
 */
export async function storageRequest<T>(
  ctx: StorageContext,
  request: StorageRequest,
  consume: (attempt: StorageAttempt) => Promise<T>,
): Promise<T> {
  const { method } = request;
  let url = request.url;
  let safeUrl = safeStorageUrl(url);
  const attempts = ctx.retry.retries + 1;
  let lastFailure: { failure: ConnectionFailure; cause: unknown } | undefined;
  let lastServerError: { statusCode: number; body: unknown } | undefined;
  const { signal } = ctx;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await waitBeforeRetry(ctx.retry, attempt - 1, signal);
    throwIfAborted(signal, { method, url: safeUrl, attempts: attempt - 1 });
    if (attempt > 1 && request.urlForRetry !== undefined) {
      url = await request.urlForRetry();
      safeUrl = safeStorageUrl(url);
    }
    /** This attempt, as an abort names it. */
    const sent = { method, url: safeUrl, attempts: attempt };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ctx.timeout);
    const started = performance.now();
    const log = (outcome: AttemptRecord['outcome']) =>
      ctx.log?.({
        method,
        url: safeUrl,
        attempt,
        durationMs: Math.round(performance.now() - started),
        outcome,
      });
    try {
      const body = request.body?.() ?? null;
      // A stream body needs `duplex: 'half'`, which the DOM typings of RequestInit lack.
      const init: RequestInit & { duplex?: 'half' } = {
        method,
        headers: { ...request.headers },
        body,
        signal:
          signal === undefined ? controller.signal : AbortSignal.any([controller.signal, signal]),
      };
      if (body instanceof ReadableStream) init.duplex = 'half';
      const response = await ctx.fetch(url, init);
      log({ type: 'response', status: response.status });
      if (response.status >= 500) {
        lastServerError = {
          statusCode: response.status,
          body: parsedBody(await readText(response)),
        };
        lastFailure = undefined;
        continue;
      }
      if (response.status >= 400) {
        const text = await readText(response);
        throw httpError({
          method,
          url: safeUrl,
          statusCode: response.status,
          body: parsedBody(text),
        });
      }
      return await consume({
        response,
        safeUrl,
        progress: () => timer.refresh(),
        throwIfAborted: () => throwIfAborted(signal, sent),
      });
    } catch (cause) {
      if (signal?.aborted) {
        log({ type: 'failure', reason: 'aborted' });
        throw new TaskclusterAbortError(sent, signal.reason);
      }
      if (!isRetryable(cause, timedOut)) throw cause;
      log({ type: 'failure', reason: timedOut ? 'timeout' : 'network' });
      lastFailure = {
        failure: timedOut ? { type: 'timeout', timeoutMs: ctx.timeout } : { type: 'network' },
        cause,
      };
      lastServerError = undefined;
    } finally {
      clearTimeout(timer);
    }
  }
  if (lastServerError !== undefined) throw httpError({ method, url: safeUrl, ...lastServerError });
  const { failure, cause } = lastFailure!;
  throw new TaskclusterConnectionError({ method, url: safeUrl, attempts }, failure, cause);
}

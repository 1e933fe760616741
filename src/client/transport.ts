/**
 * How one attempt of a REST request reaches the server: the small contract that `sendRequest`
 * uses, and its implementation over an injected `fetch` (the default one, over `node:http`, is
 * http-transport.ts, which also chooses between the two).
 */

/** One attempt: everything is final (signed, serialized) when the transport gets it. */
export interface TransportRequest {
  /** Upper case. */
  readonly method: string;
  /** The path and query under the service's origin, exactly as signed. */
  readonly resource: string;
  readonly headers: Record<string, string>;
  /** The JSON body; undefined sends none (`Content-Length: 0` on POST and PUT). */
  readonly body: string | undefined;
  /** Milliseconds allowed for the whole attempt, until the last byte of the response body. */
  readonly timeout: number;
  /** Aborts the attempt at once: the connection is closed and the result is `aborted`. */
  readonly signal?: AbortSignal | undefined;
}

/** Why an attempt got no complete response. */
export type AttemptFailure = 'network' | 'timeout' | 'aborted';

/**
 * What one attempt got: a complete response of any status (redirects are not followed), or no
 * complete response, because of the network, the timeout or the request's signal; `cause` is
 * the underlying error (the signal's reason when it aborted).
 */
export type TransportResult =
  | { readonly ok: true; readonly status: number; readonly text: string }
  | { readonly ok: false; readonly reason: AttemptFailure; readonly cause: unknown };

/** Sends attempts to one service's origin; it never throws nor rejects. */
export type RequestTransport = (request: TransportRequest) => Promise<TransportResult>;

/** A transport over a `fetch` function (the `fetch` option: requests go through it as given). */
export function fetchTransport(fetch: typeof globalThis.fetch, origin: string): RequestTransport {
  return async (request) => {
    // A timer cleared after each attempt: cheaper than AbortSignal.timeout, and leaves no
    // pending timer behind per request.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeout);
    const { signal } = request;
    try {
      // Without a body, fetch sends `Content-Length: 0` on POST and PUT.
      const response = await fetch(origin + request.resource, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        redirect: 'manual',
        signal:
          signal === undefined ? controller.signal : AbortSignal.any([controller.signal, signal]),
      });
      return { ok: true, status: response.status, text: await response.text() };
    } catch (cause) {
      if (signal?.aborted) return { ok: false, reason: 'aborted', cause: signal.reason };
      return { ok: false, reason: controller.signal.aborted ? 'timeout' : 'network', cause };
    } finally {
      clearTimeout(timer);
    }
  };
}

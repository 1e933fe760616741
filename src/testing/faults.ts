/**
 * Fault injection for retry tests: per route, a queue of faults applied to the next requests,
 * one fault per request, in order.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestInfo } from './api-error.js';
import { type EncodedResponse, encodeResponse, errorResponse } from './http-io.js';

/** A fault the server applies to one request instead of (or on top of) answering it. */
export type Fault =
  /** Answer with this status and a Taskcluster-shaped JSON error (or `body`), without running the handler. */
  | { type: 'status'; status: number; body?: unknown }
  /** Reset the connection without answering. */
  | { type: 'reset' }
  /** Wait this long before handling the request (e.g. past the client's timeout). */
  | { type: 'delay'; ms: number }
  /** Run the handler, announce the full Content-Length, send half the body, close. */
  | { type: 'truncate' }
  /** Answer with this status and an HTML body, as a proxy in front of the service would. */
  | { type: 'non-json'; status: number };

/** Pending faults per route key. */
export class FaultQueues {
  readonly #pending = new Map<string, Fault[]>();

  /** Appends faults for the next requests to the route. */
  push(routeKey: string, faults: readonly Fault[]): void {
    const queue = this.#pending.get(routeKey) ?? [];
    queue.push(...faults);
    this.#pending.set(routeKey, queue);
  }

  /** Takes the fault for the current request to the route, if any is pending. */
  take(routeKey: string): Fault | undefined {
    return this.#pending.get(routeKey)?.shift();
  }

  /** How many faults are still pending for the route. */
  pending(routeKey: string): number {
    return this.#pending.get(routeKey)?.length ?? 0;
  }
}

/** The body a `non-json` fault sends. */
export const NON_JSON_FAULT_BODY = '<html><body><h1>Bad Gateway</h1></body></html>\n';

/** What is left to do after a fault: nothing, or answer normally (perhaps truncated). */
export type FaultOutcome = { type: 'done' } | { type: 'continue'; truncate: boolean };

/**
 * Applies a fault to a request: answers or resets it (`done`), or lets it be answered after a
 * delay or with a truncated body (`continue`). A delay ends early when `signal` aborts.
 */
export async function applyFault(
  fault: Fault | undefined,
  req: IncomingMessage,
  respond: (response: EncodedResponse) => void,
  requestInfo: RequestInfo,
  signal: AbortSignal,
): Promise<FaultOutcome> {
  switch (fault?.type) {
    case undefined:
      return { type: 'continue', truncate: false };
    case 'reset':
      req.socket.resetAndDestroy();
      return { type: 'done' };
    case 'status':
      respond(
        fault.body === undefined
          ? errorResponse(fault.status, 'InternalServerError', 'Injected fault', requestInfo)
          : encodeResponse({ status: fault.status, json: fault.body }),
      );
      return { type: 'done' };
    case 'non-json':
      respond(
        encodeResponse({
          status: fault.status,
          body: NON_JSON_FAULT_BODY,
          headers: { 'content-type': 'text/html' },
        }),
      );
      return { type: 'done' };
    case 'delay':
      try {
        await sleep(fault.ms, undefined, { signal });
      } catch {
        return { type: 'done' };
      }
      return { type: 'continue', truncate: false };
    case 'truncate':
      return { type: 'continue', truncate: true };
  }
}

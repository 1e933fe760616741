/**
 * The default transport of REST requests: `node:http`/`node:https` with one keep-alive agent per
 * origin. It costs a fraction of the CPU of the global `fetch` per request (no web streams, no
 * Request/Response/Headers objects), which matters to bots that make many small calls.
 *
 * Idle kept-alive sockets are unreferenced by Node's agent: a client never keeps the process
 * alive once its requests are answered. Like `fetch`, it asks for compressed answers and decodes
 * them: a page of a large task group compresses about tenfold.
 */
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { DEFAULT_IDLE_SOCKET_TIMEOUT_MS, DEFAULT_MAX_SOCKETS } from './options.js';
import { fetchTransport, type RequestTransport, type TransportResult } from './transport.js';
import type { ServiceBase } from './url.js';

/** The content codings the default transport asks for, as its `Accept-Encoding` header. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** A decoder per `Content-Encoding` of {@link ACCEPT_ENCODING} (`x-gzip` is gzip's old name). */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const AGENT_OPTIONS = {
  keepAlive: true,
  maxSockets: DEFAULT_MAX_SOCKETS,
  // Applies to idle sockets only: the agent closes them; an attempt has its own timer.
  timeout: DEFAULT_IDLE_SOCKET_TIMEOUT_MS,
};

/**
 * One keep-alive agent per origin, shared by every client of it: a client made per download
 * (the object service's) or per task still reuses the open connections, as fetch's global pool
 * did.
 */
const agents = new Map<string, HttpAgent>();

function agentFor(base: ServiceBase): HttpAgent {
  let agent = agents.get(base.origin);
  if (agent === undefined) {
    agent =
      base.protocol === 'https:' ? new HttpsAgent(AGENT_OPTIONS) : new HttpAgent(AGENT_OPTIONS);
    agents.set(base.origin, agent);
  }
  return agent;
}

/** A transport to `base`'s origin, over the origin's shared keep-alive agent. */
export function httpTransport(base: ServiceBase): RequestTransport {
  const agent = agentFor(base);
  const request = base.protocol === 'https:' ? httpsRequest : httpRequest;
  // `URL.hostname` keeps the brackets of an IPv6 address; a socket address has none.
  const hostname = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
  const port = base.port;
  // The TLS server name (none for an IP address), as Node's agent would work it out from the
  // Host header on every request.
  const servername = isIP(hostname) === 0 ? hostname : '';

  return ({ method, resource, headers, body, timeout, signal }) =>
    new Promise<TransportResult>((resolve) => {
      if (signal?.aborted) {
        resolve({ ok: false, reason: 'aborted', cause: signal.reason });
        return;
      }
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (result: TransportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const fail = (cause: unknown): void => settle({ ok: false, reason: 'network', cause });
      let outgoing: ClientRequest;
      try {
        outgoing = request({ agent, hostname, port, servername, method, path: resource, headers });
      } catch (cause) {
        // Headers Node refuses (as fetch would reject them): the contract is to never throw.
        fail(cause);
        return;
      }
      timer = setTimeout(() => {
        const cause = new Error(`the attempt took longer than ${timeout} ms`);
        settle({ ok: false, reason: 'timeout', cause });
        outgoing.destroy(cause);
      }, timeout);
      // Hoisted: `settle` removes it, and may run before this line.
      function onAbort(): void {
        settle({ ok: false, reason: 'aborted', cause: signal?.reason });
        // Closes the connection: the server sees the request go away at once.
        outgoing.destroy();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.setHeader('accept-encoding', ACCEPT_ENCODING);
      outgoing.on('error', fail);
      outgoing.on('response', (response: IncomingMessage) => {
        const coding = response.headers['content-encoding']?.trim().toLowerCase() || 'identity';
        const decoder = coding === 'identity' ? undefined : DECODERS[coding];
        if (coding !== 'identity' && decoder === undefined) {
          // A coding not asked for cannot be read; the answer is dropped with its connection.
          fail(new Error(`the response has a Content-Encoding not asked for: ${coding}`));
          response.destroy();
          return;
        }
        const decoded = decoder === undefined ? response : response.pipe(decoder());
        let text = '';
        // Decodes UTF-8 across chunk boundaries.
        decoded.setEncoding('utf8');
        decoded.on('data', (chunk: string) => {
          text += chunk;
        });
        decoded.on('end', () => settle({ ok: true, status: response.statusCode ?? 0, text }));
        // A corrupt compressed body fails like a network error, as it does through fetch.
        if (decoded !== response) decoded.on('error', fail);
        response.on('error', fail);
        // A body cut short (the connection closed before its end) ends in 'close' without 'end'.
        response.on('close', () => {
          if (!response.complete)
            fail(new Error('the connection closed before the response ended'));
        });
      });
      // Node computes Content-Length from what `end` gets: the body's UTF-8 length, or 0 for a
      // bodiless POST or PUT (none on GET and DELETE, as fetch does).
      outgoing.end(body);
    });
}

/**
 * The transport of a client: through `fetch` when the user gave one, else the default one over
 * `node:http`/`node:https` with the origin's shared keep-alive agent.
 */
export function transportFor(
  fetch: typeof globalThis.fetch | undefined,
  base: ServiceBase,
): RequestTransport {
  return fetch === undefined ? httpTransport(base) : fetchTransport(fetch, base.origin);
}

/**
 * Reading requests and writing responses on node:http, for the simulated server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody, RequestInfo } from './api-error.js';
import type { RouteResponse } from './routes.js';

/** The Content-Type of every JSON response. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Reads the whole request body. By events rather than `for await`: the async iterator costs a
 * stream iterator and a promise per chunk on every request, and most bodies are one chunk,
 * which is returned as it came.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
    // A client gone before the end of its body closes the request without 'end' (and not
    // always with 'error').
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request closed before its body ended'));
    });
  });
}

/** A response ready to be written: status, headers and body bytes. */
export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Serializes a handler's response. */
export function encodeResponse(response: RouteResponse): EncodedResponse {
  const headers: Record<string, string> = { ...response.headers };
  let body: Buffer;
  if (response.json !== undefined) {
    body = Buffer.from(JSON.stringify(response.json));
    headers['content-type'] ??= JSON_CONTENT_TYPE;
  } else if (response.body !== undefined) {
    body = Buffer.from(response.body);
  } else {
    body = Buffer.alloc(0);
  }
  return { status: response.status ?? 200, headers, body };
}

/** A Taskcluster-shaped JSON error response. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  requestInfo: RequestInfo,
): EncodedResponse {
  const body: ApiErrorBody = { code, message, requestInfo };
  return encodeResponse({ status, json: body });
}

/**
 * Writes a response. With `truncate`, announces the full length but sends only half the body
 * and destroys the socket, so the client sees a body cut short.
 */
export function writeResponse(
  res: ServerResponse,
  response: EncodedResponse,
  truncate = false,
): void {
  if (res.destroyed) {
    return;
  }
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(response.body.length),
  });
  if (!truncate) {
    res.end(response.body);
    return;
  }
  res.write(response.body.subarray(0, Math.floor(response.body.length / 2)), () => {
    res.destroy();
  });
}

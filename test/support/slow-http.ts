/**
 * Slow servers for cancellation tests: an API route of the simulated deployment (Hawk verified)
 * that answers only when the test releases it, and a storage server that sends the start of a
 * body and then nothing. Both announce each request as it arrives, and when its client went
 * away, so that tests wait on events rather than on time.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiServer } from '../../src/testing/api-server.js';
import type { RouteResponse } from '../../src/testing/routes.js';

/** Items in arrival order, each awaited by one `next()`. */
export class Arrivals<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];
  /** How many arrived so far. */
  count = 0;

  push(item: T): void {
    this.count += 1;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  }

  /** The next item not yet taken, once it arrived. */
  next(): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** A request held by a slow server. */
export interface HeldRequest {
  /** Resolves when the client closed the connection before the answer. */
  readonly gone: Promise<void>;
}

/** A request held by a {@link slowRoute}. */
export interface HeldApiRequest extends HeldRequest {
  /** Answers it now. */
  release(response: RouteResponse): void;
}

/** A route of `server` whose requests wait until released (or until their client went away). */
export function slowRoute(
  server: ApiServer,
  service: string,
  method: string,
  route: string,
): Arrivals<HeldApiRequest> {
  const arrivals = new Arrivals<HeldApiRequest>();
  server.route(service, method, route, (ctx) => {
    const gone = new Promise<void>((resolve) =>
      ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    return new Promise<RouteResponse>((release) => arrivals.push({ gone, release }));
  });
  return arrivals;
}

/** A storage server that sends `head` of a body announced as `length` bytes, then waits. */
export interface TrickleServer {
  /** The URL of its one resource (any path answers the same). */
  readonly url: string;
  readonly arrivals: Arrivals<HeldRequest>;
  close(): Promise<void>;
}

/** Starts a {@link TrickleServer} on loopback. */
export async function startTrickleServer(head: Uint8Array, length: number): Promise<TrickleServer> {
  const arrivals = new Arrivals<HeldRequest>();
  const server = createServer((req, res) => {
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
    });
    // Announced once the head is on its way: a client that read it is reading the body.
    res.write(head, () => arrivals.push({ gone }));
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/blob`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

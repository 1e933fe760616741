import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterAbortError, TaskclusterConnectionError } from '../../src/client/errors.js';
import { InputError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { type ApiServer, startApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT } from '../fixtures/fake-service-server.js';
import { type Arrivals, type HeldApiRequest, slowRoute } from '../support/slow-http.js';

let server: ApiServer;
/** `getThing` never answers until released. */
let slowGets: Arrivals<HeldApiRequest>;
/** `listThings` never answers until released. */
let slowPages: Arrivals<HeldApiRequest>;
const GET_THING = '/things/<thingId>/versions/<version>';

beforeAll(async () => {
  server = await startApiServer({
    clients: {
      [PERMANENT.clientId]: { accessToken: PERMANENT.accessToken, scopes: [...PERMANENT.scopes] },
    },
  });
  slowGets = slowRoute(server, 'fake', 'get', GET_THING);
  slowPages = slowRoute(server, 'fake', 'get', '/groups/<groupId>/things');
  server.route('fake', 'post', '/things', (ctx) => ({ json: { received: ctx.body } }));
});
afterAll(() => server.close());

/** The two transports: the default one over node:http, and an injected fetch. */
const TRANSPORTS = [
  ['the default transport', {}],
  ['an injected fetch', { fetch: (input, init) => fetch(input, init) }],
] as const satisfies readonly (readonly [string, { fetch?: typeof fetch }])[];

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Checks an abort error: typed, naming method and URL, its cause the reason, no secret. */
function expectAbort(error: unknown, reason: unknown, attempts: number, path: string): void {
  expect(error).toBeInstanceOf(TaskclusterAbortError);
  const abort = error as TaskclusterAbortError;
  expect(abort).toMatchObject({ name: 'TaskclusterAbortError', code: 'RequestAborted', attempts });
  expect(abort.cause).toBe(reason);
  expect(abort.method).toBe('GET');
  expect(abort.url).toBe(`${server.rootUrl}/api/fake/v1${path}`);
  expect(abort.message).toContain(`GET ${server.rootUrl}/api/fake/v1${path}`);
  for (const text of [abort.message, JSON.stringify(abort), String(abort.stack)]) {
    expect(text).not.toContain(PERMANENT.accessToken);
    expect(text).not.toMatch(/Hawk|authorization/i);
  }
}

describe.each(TRANSPORTS)('cancellation through %s', (_, transport) => {
  function client(options: { signal?: AbortSignal; logger?: Logger; delayFactor?: number } = {}) {
    return new Fake({
      rootUrl: server.rootUrl,
      credentials: PERMANENT,
      randomizationFactor: 0,
      ...transport,
      ...options,
    });
  }

  it('sends nothing once the signal has aborted', async () => {
    const reason = new Error('the caller gave up');
    const before = server.requests.length;
    const error = await rejection(
      client().getThing('t1', 1, { signal: AbortSignal.abort(reason) }),
    );
    expectAbort(error, reason, 0, '/things/t1/versions/1');
    expect((error as Error).message).toMatch(/was aborted before it was sent: the caller gave up$/);
    // Every form of a call, and the pages of a paginated one.
    const signal = AbortSignal.abort(reason);
    const fake = client();
    const calls = [
      fake.getThing({ params: { thingId: 't', version: 1 }, signal }),
      fake.createThing({ name: 'x' }, { signal }),
      fake.createThing({ payload: { name: 'x' }, signal }),
      fake.listThings('g', { query: { limit: 1 }, signal }),
      fake.listThings('g', { signal, paginationHandler: () => undefined }),
      (async () => {
        for await (const page of fake.paginate('listThings', 'g', { signal })) return page;
      })(),
    ];
    for (const call of calls) {
      expect(await rejection(call)).toBeInstanceOf(TaskclusterAbortError);
    }
    expect(server.requests.length).toBe(before);
  });

  it('cuts off an attempt in flight: the server sees the connection close, no retry follows', async () => {
    const controller = new AbortController();
    const call = rejection(client().getThing('t2', 1, { signal: controller.signal }));
    const held = await slowGets.next();
    const before = server.attempts(server.routeKey('fake', 'get', GET_THING));
    const reason = new Error('shutting down');
    controller.abort(reason);
    expectAbort(await call, reason, 1, '/things/t2/versions/1');
    await held.gone;
    expect(server.attempts(server.routeKey('fake', 'get', GET_THING))).toBe(before);
  });

  it('ends the wait for a retry at once, and makes no further attempt', async () => {
    const key = server.routeKey('fake', 'post', '/things');
    server.injectFaults(key, { type: 'status', status: 503 });
    const before = server.attempts(key);
    const controller = new AbortController();
    // Aborts once the 503 is logged, after the client began its wait before the first retry
    // (which it does in the same turn as the log).
    const logger: Logger = {
      debug: (record) => {
        if ((record as { status?: number }).status === 503) {
          setImmediate(() => controller.abort('stop'));
        }
      },
      info() {},
      warn() {},
      error() {},
    };
    // A retry would come 20 s later.
    const fake = client({ logger, delayFactor: 10_000 });
    const started = performance.now();
    const error = await rejection(fake.createThing({ name: 'x' }, { signal: controller.signal }));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(TaskclusterAbortError);
    expect(error).toMatchObject({ method: 'POST', attempts: 1, cause: 'stop' });
    expect(server.attempts(key)).toBe(before + 1);
  });

  it('aborts every call of a client given a signal, combined with each call’s own', async () => {
    const clientController = new AbortController();
    const fake = client({ signal: clientController.signal });
    // The call's own signal aborts it...
    const callController = new AbortController();
    const first = rejection(fake.getThing('t3', 1, { signal: callController.signal }));
    const held = await slowGets.next();
    callController.abort('call');
    expect(await first).toMatchObject({ code: 'RequestAborted', cause: 'call' });
    await held.gone;
    // ...and so does the client's, for calls without a signal, pages and derived clients.
    const second = rejection(fake.use({ traceId: 'derived' }).getThing('t4', 1));
    const pages = rejection(
      (async () => {
        for await (const page of fake.paginate('listThings', 'g')) return page;
      })(),
    );
    const [heldGet, heldPage] = await Promise.all([slowGets.next(), slowPages.next()]);
    clientController.abort('client');
    expect(await second).toMatchObject({ code: 'RequestAborted', cause: 'client' });
    expect(await pages).toMatchObject({ code: 'RequestAborted', cause: 'client' });
    await Promise.all([heldGet.gone, heldPage.gone]);
  });

  it('answers as usual when the signal does not abort, and still times out', async () => {
    const { signal } = new AbortController();
    const fake = client();
    const call = fake.getThing('t5', 1, { signal });
    (await slowGets.next()).release({ json: { thingId: 't5', version: '1' } });
    await expect(call).resolves.toEqual({ thingId: 't5', version: '1' });
    const slow = new Fake({
      rootUrl: server.rootUrl,
      credentials: PERMANENT,
      timeout: 50,
      retries: 0,
      signal,
      ...transport,
    });
    const timedOut = rejection(slow.getThing('t6', 1, { signal }));
    const held = await slowGets.next();
    expect(await timedOut).toBeInstanceOf(TaskclusterConnectionError);
    expect(await timedOut).toMatchObject({ code: 'RequestTimeout' });
    await held.gone;
  });
});

describe('bad signals', () => {
  it('refuses a signal option that is not an AbortSignal, before anything is sent', async () => {
    const before = server.requests.length;
    expect(
      () => new Fake({ rootUrl: server.rootUrl, signal: 'stop' as unknown as AbortSignal }),
    ).toThrow(new InputError('option signal must be an AbortSignal'));
    const fake = new Fake({ rootUrl: server.rootUrl });
    await expect(
      fake.getThing('t', 1, { signal: { aborted: true } as unknown as AbortSignal }),
    ).rejects.toThrow(
      new InputError('fake.getThing(thingId, version): signal must be an AbortSignal'),
    );
    expect(server.requests.length).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/dynamic.js';
import type { ClientOptions } from '../../src/client/options.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer, RecordedRequest } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

let server: ApiServer;
const OTHER = { clientId: 'other', accessToken: 'other-secret-token-0123456789' };
const TRACE_HEADER = 'x-taskcluster-trace-id';

beforeAll(async () => {
  server = await startFakeServer();
  server.addClient(OTHER.clientId, { accessToken: OTHER.accessToken, scopes: ['fake:*'] });
});
afterAll(() => server.close());

/** A client of the fake service with short retry delays. */
function fake(options: Partial<ClientOptions> = {}) {
  return new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT, delayFactor: 5, ...options });
}

/** The requests a call made, as the server saw them. */
async function requestsOf(call: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const before = server.requests.length;
  await call().catch(() => undefined);
  return server.requests.slice(before);
}

describe('use(): a derived client', () => {
  // [what, the updates, what the server must see of the derived client's call]
  it.each([
    [
      'authorizedScopes',
      { authorizedScopes: ['fake:search'] },
      { clientId: PERMANENT.clientId, scopes: ['fake:search'] },
    ],
    ['other credentials', { credentials: OTHER }, { clientId: OTHER.clientId, scopes: ['fake:*'] }],
    ['a traceId', { traceId: 'task/abc' }, { headers: { [TRACE_HEADER]: 'task/abc' } }],
    [
      'an option given as undefined keeps its value',
      { credentials: undefined, traceId: 't' },
      { clientId: PERMANENT.clientId, headers: { [TRACE_HEADER]: 't' } },
    ],
  ] as const)('%s', async (_what, updates, seen) => {
    const original = fake();
    const derived = original.use(updates as Partial<ClientOptions>);
    const [request] = await requestsOf(() => derived.searchThings('k'));
    expect(request).toMatchObject({ auth: 'hawk', status: 200, ...seen });
    // The original keeps its own options.
    const [own] = await requestsOf(() => original.searchThings('k'));
    expect(own).toMatchObject({ clientId: PERMANENT.clientId, scopes: PERMANENT.scopes });
    expect(own!.headers[TRACE_HEADER]).toBeUndefined();
  });

  it.each([
    ['retries: 0 over the default', {}, { retries: 0 }, 1],
    ['maxRetries over retries', { retries: 0 }, { maxRetries: 2 }, 3],
    ['retries over maxRetries', { maxRetries: 0 }, { retries: 1 }, 2],
    ['an inherited retry count', { retries: 1 }, { traceId: 'x' }, 2],
  ] as const)('%s: %j then %j makes %i attempts', async (_what, first, updates, attempts) => {
    const key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    const derived = fake(first).use(updates);
    server.injectFaults(
      key,
      ...Array.from({ length: attempts }, () => ({ type: 'status' as const, status: 503 })),
    );
    const requests = await requestsOf(() => derived.getThing('r', 1));
    expect(requests.map((r) => r.status)).toEqual(Array(attempts).fill(503));
  });

  it('is of the same class, generated or made from a reference', async () => {
    const derived = fake().use({ traceId: 't' });
    expect(derived).toBeInstanceOf(Fake);
    expect(derived.options).toMatchObject({ traceId: 't', credentials: { clientId: 'tester' } });
    const dynamic = createClient(
      {
        serviceName: 'fake',
        apiVersion: 'v1',
        entries: [
          { type: 'function', name: 'ping', method: 'get', route: '/ping', args: [], query: [] },
        ],
      },
      { rootUrl: server.rootUrl },
    );
    const traced = dynamic.use({ traceId: 'd' });
    expect(traced.constructor).toBe(dynamic.constructor);
    const [request] = await requestsOf(() => traced.ping!());
    expect(request).toMatchObject({ status: 200, headers: { [TRACE_HEADER]: 'd' } });
  });
});

describe('traceId', () => {
  it('is sent on every attempt of a request', async () => {
    const key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    server.injectFaults(key, { type: 'status', status: 500 });
    const requests = await requestsOf(() => fake({ traceId: 'trace-1' }).getThing('t', 1));
    expect(requests.map((r) => [r.status, r.headers[TRACE_HEADER]])).toEqual([
      [500, 'trace-1'],
      [200, 'trace-1'],
    ]);
  });
});

describe('bad options: an InputError before anything is sent', () => {
  it.each([
    ['an unknown option', { retires: 2 }, /unknown client option "retires" \(options: rootUrl,/],
    [
      'a fake that is not an object of functions',
      { fake: { getThing: 1 } },
      /fake.getThing must be a function/,
    ],
    ["the official client's agent", { agent: {} }, /"agent" .* not supported/],
    ['retries and maxRetries', { retries: 1, maxRetries: 1 }, /give one of them/],
    ['a traceId with a line break', { traceId: 'a\nb' }, /traceId must be/],
    ['a traceId that is not a string', { traceId: 7 }, /traceId must be/],
    ['a malformed credentials', { credentials: { clientId: 'x' } }, /accessToken/],
    ['not an object', 'fast', /use\(\) takes an object/],
  ])('use() with %s', async (_what, updates, message) => {
    const client = fake();
    const before = server.requests.length;
    expect(() => client.use(updates as never)).toThrow(InputError);
    expect(() => client.use(updates as never)).toThrow(message);
    expect(server.requests.length).toBe(before);
  });

  it('the constructor refuses unknown options too', () => {
    expect(() => fake({ agent: {} } as never)).toThrow(/"agent" of the official client/);
    expect(() => fake({ retires: 2 } as never)).toThrow(/unknown client option "retires"/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/dynamic.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { ALL_THINGS, PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

let server: ApiServer;
let fake: InstanceType<typeof Fake>;

beforeAll(async () => {
  server = await startFakeServer();
  fake = new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT });
});
afterAll(() => server.close());

function lastRequest() {
  return server.requests[server.requests.length - 1]!;
}

describe('the four calling conventions', () => {
  it('positional: params then payload', async () => {
    await expect(fake.updateThing('te/st', { name: 'x' })).resolves.toEqual({
      thingId: 'te/st',
      received: { name: 'x' },
    });
    expect(lastRequest()).toMatchObject({
      method: 'PUT',
      path: '/api/fake/v1/things/te%2Fst',
      auth: 'hawk',
      clientId: PERMANENT.clientId,
      status: 200,
    });
  });

  it('payload first, then params by name', async () => {
    await expect(fake.updateThing({ name: 'y', size: 2 }, { thingId: 'p1' })).resolves.toEqual({
      thingId: 'p1',
      received: { name: 'y', size: 2 },
    });
  });

  it('named: params, payload and query in one object', async () => {
    await expect(
      fake.updateThing({ params: { thingId: 'n1' }, payload: { name: 'z' } }),
    ).resolves.toEqual({ thingId: 'n1', received: { name: 'z' } });
    const found = (await fake.searchThings({
      params: { kind: 'k' },
      query: { color: 'red' },
    })) as { query: unknown };
    expect(found.query).toEqual({ color: 'red' });
  });

  it('query options last, in the order of the reference', async () => {
    const found = (await fake.searchThings('sq', { query: { limit: 3, color: 'b l/ue' } })) as {
      kind: string;
      query: unknown;
    };
    expect(found).toMatchObject({ kind: 'sq', query: { color: 'b l/ue', limit: '3' } });
    expect(lastRequest().path).toBe('/api/fake/v1/search/sq');
  });

  it('numbers as params, a method without args, a deprecated method', async () => {
    await expect(fake.getThing('t', 1337)).resolves.toEqual({ thingId: 't', version: '1337' });
    await expect(fake.ping()).resolves.toEqual({ alive: true });
    await expect(fake.oldThing()).resolves.toEqual({ old: true });
  });

  it('a payload-only method takes the payload alone, even an empty one', async () => {
    await expect(fake.createThing({ name: 'solo' })).resolves.toMatchObject({
      received: { name: 'solo' },
      clientId: PERMANENT.clientId,
    });
    await expect(fake.createThing({} as never)).resolves.toMatchObject({ received: {} });
  });

  it('a bodiless POST sends no body and an empty answer resolves to undefined', async () => {
    await expect(fake.touchThing('t1')).resolves.toBeUndefined();
    expect(lastRequest()).toMatchObject({ method: 'POST', body: undefined, status: 200 });
  });
});

// biome-ignore lint/suspicious/noExplicitAny: bad calls on purpose, which the types forbid.
type Loose = Record<string, (...args: any[]) => Promise<unknown>>;

describe('the query on its own as the last argument, as the official client takes it', () => {
  // [what, the official form, the seed's form, the query the server must see]
  it.each([
    [
      'after the parameters',
      (c: Loose) => c.searchThings!('bq', { limit: 2, color: 'r/ed' }),
      (c: Loose) => c.searchThings!('bq', { query: { limit: 2, color: 'r/ed' } }),
      { color: 'r/ed', limit: '2' },
    ],
    [
      'alone, for a method of no parameters',
      (c: Loose) => c.countThings!({ limit: 5 }),
      (c: Loose) => c.countThings!({ query: { limit: 5 } }),
      { limit: '5' },
    ],
    [
      'empty, for a method of no parameters',
      (c: Loose) => c.countThings!({}),
      (c: Loose) => c.countThings!(),
      {},
    ],
    [
      'with an undefined value, which is left out',
      (c: Loose) => c.searchThings!('u', { color: undefined, limit: 1 }),
      (c: Loose) => c.searchThings!('u', { query: { limit: 1 } }),
      { limit: '1' },
    ],
  ] as const)('%s: the same request as { query }', async (_what, official, seed, query) => {
    const client = fake as unknown as Loose;
    await official(client);
    const first = lastRequest();
    await seed(client);
    const second = lastRequest();
    expect(first.query).toEqual(query);
    expect({ path: second.path, query: second.query }).toEqual({
      path: first.path,
      query: first.query,
    });
  });

  it('pages with a bare query: every page keeps it', async () => {
    const before = server.requests.length;
    const items: string[] = [];
    for await (const thing of fake.paginate('listThings', 'g', { limit: 2 }).items()) {
      items.push(thing.thingId);
    }
    expect(items).toEqual(ALL_THINGS);
    const pages = server.requests.slice(before);
    expect(pages.map((r) => r.query.limit)).toEqual(['2', '2', '2', '2']);
  });
});

describe('a method whose query option is named like an option (a reference loaded at run time)', () => {
  // The generator refuses such references; one loaded at run time can still have them.
  function client() {
    return createClient(
      {
        serviceName: 'fake',
        apiVersion: 'v1',
        entries: [
          {
            type: 'function',
            name: 'find',
            method: 'get',
            route: '/search/<kind>',
            args: ['kind'],
            query: ['query', 'limit'],
          },
        ],
      },
      { rootUrl: server.rootUrl, credentials: PERMANENT },
    );
  }

  it.each([
    ["{ query: 'x' }", { query: 'x' }],
    ['{ query: { limit } }', { query: { limit: 1 } }],
  ])('%s after the parameters could mean either: an InputError, nothing sent', async (_, last) => {
    const before = server.requests.length;
    await expect(client().find!('k', last)).rejects.toThrow(/could mean either.*named form/);
    expect(() => client().buildUrl('find', 'k', last)).toThrow(/could mean either/);
    expect(server.requests.length).toBe(before);
  });

  it.each([
    ['a key only a query has decides', ['k', { query: 'x', limit: 1 }], { query: 'x', limit: '1' }],
    ['the named form', [{ params: { kind: 'k' }, query: { query: 'x' } }], { query: 'x' }],
  ] as const)('%s', async (_what, args, query) => {
    await expect(client().find!(...args)).resolves.toMatchObject({ kind: 'k', query });
  });
});

const BAD_CALLS: readonly [what: string, call: (client: Loose) => Promise<unknown>][] = [
  ['too few arguments', (c) => c.getThing!('only-one')],
  ['too many arguments', (c) => c.getThing!('a', 'b', {}, 'c')],
  [
    'a string where options go, for a method without query options',
    (c) => c.getThing!('a', 'b', 'c'),
  ],
  ['a signal that is not an AbortSignal', (c) => c.getThing!('a', 'b', { signal: 'stop' })],
  [
    'a signal that is not an AbortSignal, in the named form',
    (c) => c.getThing!({ params: { thingId: 'a', version: 'b' }, signal: {} }),
  ],
  ['no arguments for a method with params', (c) => c.getThing!()],
  ['an argument for a method without any', (c) => c.ping!('x')],
  ['a missing payload', (c) => c.createThing!()],
  ['a null payload', (c) => c.updateThing!('t', null)],
  ['a missing payload in the named form', (c) => c.updateThing!({ params: { thingId: 't' } })],
  [
    'a payload for a method without one',
    (c) => c.getThing!({ params: { thingId: 'a', version: 'b' }, payload: {} }),
  ],
  ['an object as a param', (c) => c.getThing!({ id: 1 }, 'b')],
  ['an empty string as a param', (c) => c.getThing!('', 'b')],
  ['a boolean as a param', (c) => c.getThing!(true, 'b')],
  ['NaN as a param', (c) => c.getThing!(Number.NaN, 'b')],
  ['a missing named param', (c) => c.getThing!({ params: { thingId: 'a' } })],
  [
    'an unknown named param',
    (c) => c.getThing!({ params: { thingId: 'a', version: 'b', x: 'c' } }),
  ],
  ['payload first without params', (c) => c.updateThing!({ name: 'x' })],
  ['payload first with a bad param', (c) => c.updateThing!({ name: 'x' }, { thingId: {} })],
  ['an unknown query key', (c) => c.searchThings!('k', { query: { colour: 'red' } })],
  [
    'a query for a method without query options',
    (c) => c.getThing!({ params: { thingId: 'a', version: 'b' }, query: { x: 1 } }),
  ],
  ['an object as a query value', (c) => c.searchThings!('k', { query: { color: {} } })],
  ['an unknown option', (c) => c.searchThings!('k', { qurey: { color: 'red' } })],
  ['a string where options go', (c) => c.searchThings!('k', 'color=red')],
  [
    'a paginationHandler on a method that does not page',
    (c) => c.searchThings!('k', { paginationHandler: () => {} }),
  ],
  [
    'a paginationHandler that is not a function',
    (c) => c.listThings!('g', { paginationHandler: 3 }),
  ],
  ['a payload that is not JSON', (c) => c.createThing!({ big: 1n })],
];

// [what, call, what the message must say]: mistakes with a bare query.
const BARE_QUERY_MISTAKES: readonly [string, (client: Loose) => Promise<unknown>, RegExp][] = [
  [
    'a bare query beside { query }',
    (c) => c.searchThings!('k', { color: 'red', query: { limit: 1 } }),
    /query option "color" and option "query" in one object/,
  ],
  [
    'a bare query beside a paginationHandler',
    (c) => c.listThings!('g', { limit: 1, paginationHandler: () => {} }),
    /query option "limit" and option "paginationHandler" in one object/,
  ],
  [
    'a bare query beside { query }, alone for a method of no parameters',
    (c) => c.countThings!({ limit: 1, query: {} }),
    /query option "limit" and option "query" in one object/,
  ],
  [
    'an unknown key in a bare query',
    (c) => c.searchThings!('k', { colour: 'red' }),
    /"colour" is neither a query option \(color, limit\) nor an option \(query, paginationHandler, signal\)/,
  ],
  [
    'an unknown key alone for a method of no parameters',
    (c) => c.countThings!({ colour: 'red' }),
    /"colour" is neither a query option \(color, limit\) nor an option/,
  ],
  [
    'an object as a bare query value',
    (c) => c.searchThings!('k', { color: { r: 1 } }),
    /query option color must be a string, number or boolean/,
  ],
  [
    'an array where the query goes',
    (c) => c.searchThings!('k', ['color']),
    /must be an object: the query, or options \{ query, signal \}/,
  ],
  [
    'a bare query beside a signal',
    (c) => c.searchThings!('k', { color: 'red', signal: new AbortController().signal }),
    /query option "color" and option "signal" in one object/,
  ],
];

describe('bad input', () => {
  it.each(BARE_QUERY_MISTAKES)(
    '%s: an InputError that says so, and nothing sent',
    async (_what, call, message) => {
      const before = server.requests.length;
      const error = await call(fake as unknown as Loose).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(message);
      expect(server.requests.length).toBe(before);
    },
  );

  it.each(BAD_CALLS)('%s: an InputError, and nothing sent', async (_what, call) => {
    const before = server.requests.length;
    const error = await call(fake as unknown as Loose).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('InputError');
    expect((error as InputError).message).toMatch(/^fake\.\w+\(/);
    expect(server.requests.length).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

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

const BAD_CALLS: readonly [what: string, call: (client: Loose) => Promise<unknown>][] = [
  ['too few arguments', (c) => c.getThing!('only-one')],
  ['too many arguments', (c) => c.getThing!('a', 'b', 'c')],
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

describe('bad input', () => {
  it.each(BAD_CALLS)('%s: an InputError, and nothing sent', async (_what, call) => {
    const before = server.requests.length;
    const error = await call(fake as unknown as Loose).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('InputError');
    expect((error as InputError).message).toMatch(/^fake\.\w+\(/);
    expect(server.requests.length).toBe(before);
  });
});

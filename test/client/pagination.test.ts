import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnexpectedResponseError } from '../../src/client/errors.js';
import { paginate } from '../../src/client/pagination.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake, type Thing, type ThingPage } from '../fixtures/fake-service.js';
import { ALL_THINGS, PAGES, PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

let server: ApiServer;
let fake: InstanceType<typeof Fake>;

beforeAll(async () => {
  server = await startFakeServer();
  fake = new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT });
});
afterAll(() => server.close());

function tokensSent(count: number): (string | undefined)[] {
  return server.requests.slice(-count).map((request) => request.query.continuationToken);
}

describe('pagination', () => {
  it('iterates pages, through empty ones, until no token comes back', async () => {
    const pages: ThingPage[] = [];
    for await (const page of fake.paginate('listThings', 'g1', { query: { limit: 2 } })) {
      pages.push(page);
    }
    expect(pages).toEqual([PAGES['']!, PAGES.t1!, PAGES['t/2']!, PAGES.t3!]);
    expect(tokensSent(4)).toEqual([undefined, 't1', 't/2', 't3']);
    expect(server.requests.slice(-4).every((r) => r.query.limit === '2')).toBe(true);
  });

  it('iterates items of every page', async () => {
    const things: Thing[] = [];
    for await (const thing of fake.paginate('listThings', { params: { groupId: 'g2' } }).items()) {
      things.push(thing);
    }
    expect(things.map((thing) => thing.thingId)).toEqual(ALL_THINGS);
  });

  it('fetches lazily: stopping early sends no further request', async () => {
    const before = server.requests.length;
    for await (const page of fake.paginate('listThings', 'g3')) {
      expect(page.things).toHaveLength(2);
      break;
    }
    expect(server.requests.length).toBe(before + 1);
  });

  it("follows the seed's paginationHandler and resolves to the last page", async () => {
    const seen: ThingPage[] = [];
    const last = await fake.listThings('g4', { paginationHandler: (page) => seen.push(page) });
    expect(seen.flatMap((page) => page.things.map((t) => t.thingId))).toEqual(ALL_THINGS);
    expect(seen).toHaveLength(4);
    expect(last).toEqual(PAGES.t3);
  });

  it('refuses items of a page with two lists: which one holds the items is not known', async () => {
    const pages = paginate(async () => ({ tasks: [1], workers: [2] }));
    const failure = await (async () => {
      for await (const _ of pages.items()) return undefined;
      return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnexpectedResponseError);
    expect(failure).toMatchObject({ code: 'AmbiguousPage', name: 'UnexpectedResponseError' });
  });

  it('refuses a method that does not page, and bad arguments, before sending', () => {
    const before = server.requests.length;
    expect(() => fake.paginate('ping' as never)).toThrow(InputError);
    expect(() => fake.paginate('listThings', { query: { nope: 1 } } as never)).toThrow(InputError);
    expect(server.requests.length).toBe(before);
  });
});

import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient } from '../../src/client/dynamic.js';
import { Queue } from '../../src/client/generated/queue.js';
import type { Pages } from '../../src/client/pagination.js';
import type { ListTaskGroupResponse } from '../../src/index.js';
import { Fake, type Thing, type ThingPage } from '../fixtures/fake-service.js';

// Compile-time checks of the typed surface; the runtime assertions only keep vitest honest.
describe('typed service clients', () => {
  const fake = new Fake({ rootUrl: 'https://tc.example.com' });

  it('types pages and items of paginated methods only', () => {
    expectTypeOf(fake.paginate('listThings', 'g')).toEqualTypeOf<Pages<ThingPage>>();
    expectTypeOf<Parameters<typeof fake.paginate<'listThings'>>[0]>().toEqualTypeOf<'listThings'>();
    const items = fake.paginate('listThings', 'g').items();
    expectTypeOf(items).toEqualTypeOf<AsyncIterable<Thing>>();
    // @ts-expect-error searchThings has query options but no continuationToken
    expect(() => fake.paginate('searchThings', 'k')).toThrow();
  });

  it('types buildUrl arguments from the method', () => {
    expectTypeOf(fake.buildUrl('getThing', 'a', 1)).toBeString();
    expectTypeOf(fake.buildUrl(fake.searchThings, 'k', { query: { color: 'red' } })).toBeString();
    // @ts-expect-error a missing route parameter
    expect(() => fake.buildUrl('getThing', 'a')).toThrow();
    // @ts-expect-error an unknown query option
    expect(() => fake.buildUrl('searchThings', 'k', { query: { nope: 1 } })).toThrow();
  });

  it('types the query on its own as the last argument, exclusive of options', () => {
    const compileOnly = () => {
      fake.searchThings('k', { color: 'red', limit: 1 });
      fake.countThings({ limit: 1 });
      fake.listThings('g', { continuationToken: 't' });
      fake.paginate('listThings', 'g', { limit: 2 });
      // @ts-expect-error a bare query beside { query }
      fake.searchThings('k', { color: 'red', query: { limit: 1 } });
      // @ts-expect-error a bare query beside a paginationHandler
      fake.listThings('g', { limit: 1, paginationHandler: () => {} });
      // @ts-expect-error not a query option of the method
      fake.searchThings('k', { colour: 'red' });
      // @ts-expect-error a query value must be a string, number or boolean
      fake.searchThings('k', { color: ['red'] });
      // @ts-expect-error a method without query options takes no query
      fake.getThing('a', 1, { limit: 1 });
    };
    expect(typeof compileOnly).toBe('function');
    expectTypeOf(fake.buildUrl('searchThings', 'k', { color: 'red' })).toBeString();
    // Signed URLs need credentials, which this client has not: their types only.
    const signedCompileOnly = () => {
      fake.buildSignedUrl('searchThings', 'k', { color: 'red' }, { expiration: 60 });
      fake.buildSignedUrl('searchThings', 'k', { limit: 1 });
      fake.buildSignedUrl('getThing', 'a', 1, { expiration: 60 });
      // @ts-expect-error a bare query beside expiration
      fake.buildSignedUrl('searchThings', 'k', { color: 'red', expiration: 60 });
      // @ts-expect-error options, then expiration again
      fake.buildSignedUrl('searchThings', 'k', { query: {} }, { expiration: 60 });
    };
    expect(typeof signedCompileOnly).toBe('function');
    // @ts-expect-error the query twice
    expect(() => fake.buildUrl('searchThings', 'k', { color: 'red', query: {} })).toThrow();
  });

  it('takes a signal in the options of every method, in every convention', () => {
    const compileOnly = (signal: AbortSignal) => {
      fake.getThing('a', 1, { signal });
      fake.ping({ signal });
      fake.createThing({ name: 'n' }, { signal });
      fake.updateThing('t', { name: 'n' }, { signal });
      fake.updateThing({ name: 'n' }, { thingId: 't' }, { signal });
      fake.updateThing({ params: { thingId: 't' }, payload: { name: 'n' }, signal });
      fake.searchThings('k', { query: { color: 'red' }, signal });
      fake.listThings('g', { signal, paginationHandler: () => undefined });
      fake.paginate('listThings', 'g', { signal });
      // Possibly undefined, as an optional signal passed on is.
      fake.getThing('a', 1, { signal: undefined });
      // @ts-expect-error a signal beside a bare query
      fake.searchThings('k', { color: 'red', signal });
      // @ts-expect-error a signal must be an AbortSignal
      fake.getThing('a', 1, { signal: 'stop' });
      // @ts-expect-error a method without query options takes no query beside its signal
      fake.getThing('a', 1, { signal, limit: 1 });
    };
    expect(typeof compileOnly).toBe('function');
  });

  it('types the calling conventions and the paginationHandler page', () => {
    // Never called: these would send requests; they only need to compile.
    const compileOnly = () => {
      expectTypeOf(fake.getThing('a', 1)).resolves.toEqualTypeOf<{
        thingId: string;
        version: string;
      }>();
      fake.listThings('g', {
        paginationHandler: (page) => expectTypeOf(page).toEqualTypeOf<ThingPage>(),
      });
      fake.updateThing({ name: 'n' }, { thingId: 't' });
      fake.updateThing({ params: { thingId: 't' }, payload: { name: 'n' } });
      // @ts-expect-error a payload is required
      fake.updateThing('t');
      // @ts-expect-error the payload must match its type
      fake.createThing({ nom: 'n' });
    };
    expect(typeof compileOnly).toBe('function');
  });
});

describe('a generated client', () => {
  it('gets the same typed helpers', () => {
    const queue = new Queue({ rootUrl: 'https://tc.example.com' });
    expectTypeOf(queue.buildUrl('listTaskGroup', 'g', { limit: 10 })).toBeString();
    expect(queue.buildUrl(queue.listTaskGroup, 'g', { limit: 10 })).toBe(
      'https://tc.example.com/api/queue/v1/task-group/g/list?limit=10',
    );
    expectTypeOf(queue.paginate('listTaskGroup', 'g')).toEqualTypeOf<
      Pages<ListTaskGroupResponse>
    >();
    expect(queue.buildUrl('task', 'te/st')).toBe(
      'https://tc.example.com/api/queue/v1/task/te%2Fst',
    );
  });
});

describe('a client made from a reference at run time', () => {
  it('has loosely typed methods and items', () => {
    const client = createClient(
      {
        serviceName: 's',
        apiVersion: 'v1',
        entries: [
          {
            type: 'function',
            name: 'list',
            method: 'get',
            route: '/l',
            args: [],
            query: ['continuationToken'],
          },
        ],
      },
      { rootUrl: 'https://tc.example.com' },
    );
    expectTypeOf(client.paginate('list').items()).toEqualTypeOf<AsyncIterable<unknown>>();
    expectTypeOf(client.list!).toEqualTypeOf<(...args: unknown[]) => Promise<unknown>>();
    expect(client.buildUrl('list')).toBe('https://tc.example.com/api/s/v1/l');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterAuthenticationError, TaskclusterHttpError } from '../../src/client/errors.js';
import { createTemporaryCredentials } from '../../src/client/temporary-credentials.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

const HOUR_MS = 60 * 60 * 1000;
let server: ApiServer;
/** Added to the server's clock, to move it past a bewit's expiry. */
let serverClockOffsetMs = 0;

beforeAll(async () => {
  server = await startFakeServer({ now: () => Date.now() + serverClockOffsetMs });
});
afterAll(() => server.close());

interface Who {
  clientId: string | undefined;
  scopes: string[];
}

function temporary(scopes: string[], name?: string) {
  const now = Date.now();
  return createTemporaryCredentials({
    credentials: PERMANENT,
    start: now - 60_000,
    expiry: now + HOUR_MS,
    scopes,
    ...(name === undefined ? {} : { name }),
  });
}

describe('authentication at a Hawk-verifying server', () => {
  it('permanent credentials are granted their scopes', async () => {
    const fake = new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT });
    const who = (await fake.searchThings('k')) as Who;
    expect(who).toMatchObject({ clientId: PERMANENT.clientId, scopes: PERMANENT.scopes });
  });

  it('without credentials a request goes unsigned', async () => {
    const fake = new Fake({ rootUrl: server.rootUrl });
    const who = (await fake.searchThings('k')) as Who;
    expect(who).toEqual({ kind: 'k', query: {}, clientId: undefined, scopes: [] });
    expect(server.requests.at(-1)?.auth).toBe('anonymous');
  });

  it('authorizedScopes restrict the request, and the server reports what it granted', async () => {
    const fake = new Fake({
      rootUrl: server.rootUrl,
      credentials: PERMANENT,
      authorizedScopes: ['fake:search'],
    });
    const who = (await fake.searchThings('k')) as Who;
    expect(who.scopes).toEqual(['fake:search']);
    const error = await fake.createThing({ name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 403, code: 'InsufficientScopes', method: 'POST' });
  });

  it('temporary credentials made by createTemporaryCredentials, unnamed and named', async () => {
    for (const [credentials, clientId] of [
      [temporary(['fake:search', 'fake:create']), PERMANENT.clientId],
      [temporary(['fake:search'], 'tester/temp'), 'tester/temp'],
    ] as const) {
      const fake = new Fake({ rootUrl: server.rootUrl, credentials });
      const who = (await fake.searchThings('k')) as Who;
      expect(who.clientId).toBe(clientId);
      expect(who.scopes).toEqual(JSON.parse(credentials.certificate as string).scopes);
    }
  });

  it('temporary credentials with authorizedScopes, and a certificate given as an object', async () => {
    const credentials = temporary(['fake:search', 'fake:create']);
    const fake = new Fake({
      rootUrl: server.rootUrl,
      credentials: { ...credentials, certificate: JSON.parse(credentials.certificate as string) },
      authorizedScopes: ['fake:create'],
    });
    const who = (await fake.createThing({ name: 'x' })) as Who;
    expect(who.scopes).toEqual(['fake:create']);
  });

  it.each([
    ['a wrong access token', () => ({ ...PERMANENT, accessToken: 'wrong-token' })],
    ['an unknown client', () => ({ ...PERMANENT, clientId: 'nobody' })],
    [
      'an expired certificate',
      () =>
        createTemporaryCredentials({
          credentials: PERMANENT,
          start: Date.now() - 3 * HOUR_MS,
          expiry: Date.now() - 2 * HOUR_MS,
          scopes: ['fake:search'],
        }),
    ],
    [
      'a tampered certificate',
      () => {
        const credentials = temporary(['fake:search']);
        const certificate = JSON.parse(credentials.certificate as string);
        certificate.scopes = ['fake:*'];
        return { ...credentials, certificate: JSON.stringify(certificate) };
      },
    ],
  ])('%s: a TaskclusterAuthenticationError (401), not retried', async (_what, credentials) => {
    const fake = new Fake({ rootUrl: server.rootUrl, credentials: credentials() });
    const key = server.routeKey('fake', 'get', '/search/<kind>');
    const before = server.attempts(key);
    const error = await fake.searchThings('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterAuthenticationError);
    expect(error).toMatchObject({
      name: 'TaskclusterAuthenticationError',
      statusCode: 401,
      code: 'AuthenticationFailed',
      method: 'GET',
      url: `${server.rootUrl}/api/fake/v1/search/k`,
    });
    expect(server.attempts(key)).toBe(before + 1);
  });
});

describe('signed URLs', () => {
  const fake = () => new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT });

  it('buildUrl gives the plain URL, by name or by the method itself', () => {
    const client = fake();
    expect(client.buildUrl('getThing', 'te/st', 7)).toBe(
      `${server.rootUrl}/api/fake/v1/things/te%2Fst/versions/7`,
    );
    expect(client.buildUrl(client.searchThings, 'k', { query: { color: 'red' } })).toBe(
      `${server.rootUrl}/api/fake/v1/search/k?color=red`,
    );
  });

  it('a bewit URL is accepted, with the bewit last, and the query kept', async () => {
    const client = fake();
    const url = client.buildSignedUrl('searchThings', 'k', { query: { color: 'red' } });
    expect(url).toMatch(/\/search\/k\?color=red&bewit=[A-Za-z0-9_-]+$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      query: { color: 'red' },
      clientId: PERMANENT.clientId,
    });
    expect(server.requests.at(-1)?.auth).toBe('bewit');
    const byFunction = client.buildSignedUrl(client.getThing, 'a', 1);
    expect((await fetch(byFunction)).status).toBe(200);
  });

  it.each([
    [
      'searchThings',
      ['k', { color: 'red' }],
      ['k', { query: { color: 'red' } }],
      '/search/k?color=red',
    ],
    ['countThings', [{ limit: 3 }], [{ query: { limit: 3 } }], '/count?limit=3'],
    ['countThings', [{}], [], '/count'],
    ['searchThings', ['k', undefined], ['k'], '/search/k'],
  ] as const)(
    'buildUrl(%j) takes the query on its own, as the official client does',
    (method, official, seed, path) => {
      const client = fake() as unknown as { buildUrl(...args: unknown[]): string };
      expect(client.buildUrl(method, ...official)).toBe(`${server.rootUrl}/api/fake/v1${path}`);
      expect(client.buildUrl(method, ...seed)).toBe(`${server.rootUrl}/api/fake/v1${path}`);
    },
  );

  // [method and arguments, the path and query the URL must have, its lifetime in seconds]
  it.each([
    [['searchThings', 'k', { color: 'red' }, { expiration: 60 }], '/search/k?color=red', 60],
    [['searchThings', 'k', { query: { color: 'red' }, expiration: 60 }], '/search/k?color=red', 60],
    [['searchThings', 'k', { color: 'red' }], '/search/k?color=red', 900],
    [['searchThings', 'k', {}, { expiration: 45 }], '/search/k', 45],
    [['getThing', 'a', 1, { expiration: 30 }], '/things/a/versions/1', 30],
    [['searchThings', 'k', undefined, { expiration: 30 }], '/search/k', 30],
  ] as const)('buildSignedUrl(%j): %s, valid %i s, accepted', async (args, path, lifetime) => {
    const client = fake() as unknown as { buildSignedUrl(...args: unknown[]): string };
    const now = Math.floor(Date.now() / 1000);
    const url = new URL(client.buildSignedUrl(...args));
    const bewit = url.searchParams.get('bewit')!;
    url.searchParams.delete('bewit');
    expect(url.href).toBe(`${server.rootUrl}/api/fake/v1${path}`);
    const expiry = Number(Buffer.from(bewit, 'base64url').toString().split('\\')[1]);
    expect(expiry - now).toBeGreaterThanOrEqual(lifetime);
    expect(expiry - now).toBeLessThanOrEqual(lifetime + 1);
    expect((await fetch(client.buildSignedUrl(...args))).status).toBe(200);
  });

  it.each([
    [['k', { color: 'red', expiration: 60 }], /query option "color" and option "expiration"/],
    [['k', { query: { color: 'red' } }, { expiration: 60 }], /the first must be the query itself/],
    [['k', { color: 'red' }, { expiration: 60, query: {} }], /unknown option "query"/],
    [['k', { color: 'red' }, { expiration: 60 }, {}], /got 4 arguments/],
    [['k', { color: 'red' }, { expiration: 0 }], /expiration must be a positive number/],
  ] as const)('buildSignedUrl(searchThings, %j): an InputError', (args, message) => {
    const client = fake() as unknown as { buildSignedUrl(...args: unknown[]): string };
    expect(() => client.buildSignedUrl('searchThings', ...args)).toThrow(message);
  });

  it('a bewit of temporary credentials carries the certificate', async () => {
    const client = new Fake({ rootUrl: server.rootUrl, credentials: temporary(['fake:search']) });
    const response = await fetch(client.buildSignedUrl('searchThings', 'k'));
    expect(await response.json()).toMatchObject({ scopes: ['fake:search'] });
  });

  it('a bewit expires', async () => {
    const url = fake().buildSignedUrl('searchThings', 'k', { expiration: 60 });
    serverClockOffsetMs = 120_000;
    try {
      expect((await fetch(url)).status).toBe(401);
    } finally {
      serverClockOffsetMs = 0;
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it('refuses non-GET methods, missing credentials and bad options', () => {
    expect(() => fake().buildSignedUrl('touchThing' as never, 't')).toThrow(InputError);
    expect(() => new Fake({ rootUrl: server.rootUrl }).buildSignedUrl('ping')).toThrow(InputError);
    expect(() => fake().buildSignedUrl('ping', { expiration: -1 })).toThrow(InputError);
    expect(() => fake().buildUrl('ping', { expiration: 5 } as never)).toThrow(InputError);
    expect(() => fake().buildUrl('nope' as never)).toThrow(InputError);
  });
});

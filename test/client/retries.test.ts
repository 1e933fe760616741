import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterConnectionError, TaskclusterHttpError } from '../../src/client/errors.js';
import { RETRY_BASE_DELAY_MS, RETRY_JITTER, RETRY_MAX_DELAY_MS } from '../../src/client/options.js';
import { retryDelay } from '../../src/client/request.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

let server: ApiServer;
let key: string;

beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

/** The two transports: the default one over node:http, and an injected fetch. */
const TRANSPORTS = [
  ['the default transport', {}],
  ['an injected fetch', { fetch: (input, init) => fetch(input, init) }],
] as const satisfies readonly (readonly [string, { fetch?: typeof fetch }])[];

describe.each(TRANSPORTS)('retries through %s', (_, transport) => {
  /** A fresh route key per test: attempts are counted per route, so use a fresh param each time. */
  function client(options: { maxRetries?: number; timeout?: number } = {}) {
    key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    return new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT, ...transport, ...options });
  }

  it('retries 500, 502 and 503, then succeeds, with a fresh Hawk header each time', async () => {
    const fake = client();
    const before = server.attempts(key);
    server.injectFaults(
      key,
      { type: 'status', status: 500 },
      { type: 'status', status: 502 },
      { type: 'status', status: 503 },
    );
    await expect(fake.getThing('r', 1)).resolves.toEqual({ thingId: 'r', version: '1' });
    expect(server.attempts(key)).toBe(before + 4);
    // The server refuses replayed nonces: four accepted requests had four headers.
    expect(server.requests.slice(-4).map((r) => [r.fault, r.status])).toEqual([
      ['status', 500],
      ['status', 502],
      ['status', 503],
      [undefined, 200],
    ]);
  });

  it('never retries a 4xx', async () => {
    const fake = client();
    const before = server.attempts(key);
    server.injectFaults(key, {
      type: 'status',
      status: 409,
      body: { code: 'RequestConflict', message: 'no' },
    });
    const error = await fake.getThing('r', 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({
      statusCode: 409,
      code: 'RequestConflict',
      body: { message: 'no' },
    });
    expect(server.attempts(key)).toBe(before + 1);
  });

  it('gives up on 5xx after maxRetries retries with the last error', async () => {
    const fake = client({ maxRetries: 2 });
    const before = server.attempts(key);
    server.injectFaults(
      key,
      ...Array.from({ length: 3 }, () => ({ type: 'status' as const, status: 503 })),
    );
    const error = await fake.getThing('r', 3).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TaskclusterHttpError', statusCode: 503 });
    expect(server.attempts(key)).toBe(before + 3);
  });

  it('retries a non-JSON 502 from a proxy; a non-JSON 200 is a MalformedResponse', async () => {
    const fake = client();
    server.injectFaults(key, { type: 'non-json', status: 502 });
    await expect(fake.getThing('r', 4)).resolves.toEqual({ thingId: 'r', version: '4' });
    server.injectFaults(key, { type: 'non-json', status: 200 });
    await expect(fake.getThing('r', 5)).rejects.toMatchObject({ code: 'MalformedResponse' });
  });

  it('retries a reset connection, and reports a TaskclusterConnectionError when they run out', async () => {
    const fake = client({ maxRetries: 1 });
    const before = server.attempts(key);
    server.injectFaults(key, { type: 'reset' });
    await expect(fake.getThing('r', 6)).resolves.toEqual({ thingId: 'r', version: '6' });
    expect(server.attempts(key)).toBe(before + 2);
    server.injectFaults(key, { type: 'reset' }, { type: 'reset' });
    const error = await fake.getThing('r', 7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterConnectionError);
    expect(error).toMatchObject({
      code: 'ConnectionError',
      attempts: 2,
      failure: { type: 'network' },
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(server.attempts(key)).toBe(before + 4);
  });

  it('retries a truncated body', async () => {
    const fake = client({ maxRetries: 1 });
    server.injectFaults(key, { type: 'truncate' });
    await expect(fake.getThing('r', 8)).resolves.toEqual({ thingId: 'r', version: '8' });
  });

  it('times out each attempt, retries, and reports RequestTimeout when they run out', async () => {
    const fake = client({ maxRetries: 1, timeout: 1000 });
    const before = server.attempts(key);
    server.injectFaults(key, { type: 'delay', ms: 10_000 });
    await expect(fake.getThing('r', 9)).resolves.toEqual({ thingId: 'r', version: '9' });
    expect(server.attempts(key)).toBe(before + 2);
    server.injectFaults(key, { type: 'delay', ms: 10_000 }, { type: 'delay', ms: 10_000 });
    const error = await fake.getThing('r', 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterConnectionError);
    expect(error).toMatchObject({
      code: 'RequestTimeout',
      failure: { type: 'timeout', timeoutMs: 1000 },
      attempts: 2,
    });
    expect((error as Error).message).toContain(
      `GET ${server.rootUrl}/api/fake/v1/things/r/versions/10`,
    );
  });

  it('errors, with their causes, never show the Authorization header nor the token', async () => {
    const fake = client({ maxRetries: 0, timeout: 500 });
    server.injectFaults(
      key,
      { type: 'reset' },
      { type: 'delay', ms: 5_000 },
      { type: 'status', status: 503 },
    );
    for (const version of [11, 12, 13]) {
      const error = await fake.getThing('r', version).catch((e: unknown) => e);
      const shown = inspect(error, { depth: 10, showHidden: true });
      expect(shown).toContain(`/api/fake/v1/things/r/versions/${version}`);
      expect(shown).not.toContain(PERMANENT.accessToken);
      expect(shown).not.toContain('Hawk id=');
    }
  });

  it('an unreachable server is a connection error after the retries', async () => {
    const closed = await startFakeServer();
    const rootUrl = closed.rootUrl;
    await closed.close();
    const fake = new Fake({ rootUrl, maxRetries: 1, ...transport });
    await expect(fake.ping()).rejects.toMatchObject({ name: 'TaskclusterConnectionError' });
  });
});

describe('retryDelay', () => {
  it.each([0, 1, 2, 5, 8, 20])('retry %i waits 100 ms * 2^n within +/-25 %, capped', (retry) => {
    const nominal = RETRY_BASE_DELAY_MS * 2 ** retry;
    const low = Math.min(nominal * (1 - RETRY_JITTER), RETRY_MAX_DELAY_MS);
    const high = Math.min(nominal * (1 + RETRY_JITTER), RETRY_MAX_DELAY_MS);
    expect(retryDelay(retry, () => 0)).toBeCloseTo(low);
    expect(retryDelay(retry, () => 1)).toBeCloseTo(high);
    expect(retryDelay(retry, () => 0.5)).toBeCloseTo(Math.min(nominal, RETRY_MAX_DELAY_MS));
  });
});

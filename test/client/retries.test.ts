import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterConnectionError, TaskclusterHttpError } from '../../src/client/errors.js';
import type { ClientOptions } from '../../src/client/options.js';
import {
  DEFAULT_DELAY_FACTOR_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_RANDOMIZATION_FACTOR,
} from '../../src/client/options.js';
import { type RetryPolicy, retryDelay } from '../../src/client/retry.js';
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

/** Short delays for the tests that only count attempts; the gaps are tested on their own. */
const QUICK_BACKOFF = { delayFactor: 5 } as const;

describe.each(TRANSPORTS)('retries through %s', (_, transport) => {
  /** A fresh route key per test: attempts are counted per route, so use a fresh param each time. */
  function client(options: Partial<ClientOptions> = {}) {
    key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    return new Fake({
      rootUrl: server.rootUrl,
      credentials: PERMANENT,
      ...QUICK_BACKOFF,
      ...transport,
      ...options,
    });
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

/** The gaps in milliseconds between the arrivals of the last `count` requests to `key`. */
function arrivalGaps(key: string, count: number): number[] {
  const times = server.requests.filter((r) => r.route === key).map((r) => r.receivedAt);
  const last = times.slice(-count);
  return last.slice(1).map((time, i) => time - last[i]!);
}

// A timer may fire up to a millisecond before its time as performance.now() counts it.
const TIMER_GRANULARITY_MS = 2;

describe('the backoff between attempts, as a failing server sees it', () => {
  function failing(options: Partial<ClientOptions>, failures: number) {
    key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    server.injectFaults(
      key,
      ...Array.from({ length: failures }, () => ({ type: 'status' as const, status: 503 })),
    );
    return new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT, ...options });
  }

  it.each([
    ['retries', { retries: 2 }, 3],
    ['its alias maxRetries', { maxRetries: 2 }, 3],
    ['retries: 0', { retries: 0 }, 1],
  ] as const)('%s: %i attempts, then the last 503', async (_what, count, sent) => {
    // As many failures as attempts: all are used, none is left for the next test.
    const fake = failing({ ...count, ...QUICK_BACKOFF }, sent);
    const before = server.attempts(key);
    await expect(fake.getThing('b', 1)).rejects.toMatchObject({ statusCode: 503 });
    expect(server.attempts(key) - before).toBe(sent);
  });

  it('waits 2^n * delayFactor before retry n, without randomization', async () => {
    const fake = failing({ retries: 3, delayFactor: 20, randomizationFactor: 0 }, 3);
    const before = server.attempts(key);
    await expect(fake.getThing('g', 1)).resolves.toEqual({ thingId: 'g', version: '1' });
    expect(server.attempts(key) - before).toBe(4);
    const gaps = arrivalGaps(key, 4);
    [40, 80, 160].forEach((nominal, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(nominal - TIMER_GRANULARITY_MS);
    });
  });

  it('randomizes each delay within randomizationFactor of its nominal value', async () => {
    const fake = failing({ retries: 2, delayFactor: 50, randomizationFactor: 0.5 }, 2);
    await fake.getThing('r', 1);
    const gaps = arrivalGaps(key, 3);
    [100, 200].forEach((nominal, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(nominal * 0.5 - TIMER_GRANULARITY_MS);
    });
  });

  it('never waits longer than maxDelay', async () => {
    // Uncapped, the first retry would wait 20 s and the test time out.
    const fake = failing({ retries: 1, delayFactor: 10_000, maxDelay: 30 }, 1);
    await expect(fake.getThing('m', 1)).resolves.toEqual({ thingId: 'm', version: '1' });
    expect(arrivalGaps(key, 2)[0]).toBeGreaterThanOrEqual(30 - TIMER_GRANULARITY_MS);
  });
});

const DEFAULTS: RetryPolicy = {
  retries: 5,
  delayFactor: DEFAULT_DELAY_FACTOR_MS,
  randomizationFactor: DEFAULT_RANDOMIZATION_FACTOR,
  maxDelay: DEFAULT_MAX_DELAY_MS,
};

describe('retryDelay: min(2^n * delayFactor * r, maxDelay), r in [1 - f, 1 + f)', () => {
  // [policy, retry, random() -> expected delay]: random() 0 gives r = 1 - f, 0.5 gives 1, and
  // values near 1 give r near 1 + f.
  it.each([
    [
      'defaults, retry 1',
      DEFAULTS,
      1,
      [
        [0, 150],
        [0.5, 200],
        [1, 250],
      ],
    ],
    [
      'defaults, retry 3',
      DEFAULTS,
      3,
      [
        [0, 600],
        [0.5, 800],
        [1, 1000],
      ],
    ],
    [
      'defaults, retry 8: 25.6 s, up to the cap',
      DEFAULTS,
      8,
      [
        [0, 19_200],
        [0.5, 25_600],
        [1, 30_000],
      ],
    ],
    [
      'defaults, retry 20: the cap',
      DEFAULTS,
      20,
      [
        [0, 30_000],
        [1, 30_000],
      ],
    ],
    [
      'no randomization',
      { ...DEFAULTS, delayFactor: 10, randomizationFactor: 0 },
      4,
      [
        [0, 160],
        [0.99, 160],
      ],
    ],
    [
      'a factor of 0.5 and a low cap',
      { ...DEFAULTS, delayFactor: 50, randomizationFactor: 0.5, maxDelay: 250 },
      2,
      [
        [0, 100],
        [0.5, 200],
        [0.75, 250],
        [1, 250],
      ],
    ],
    [
      'a delayFactor of 0: no wait',
      { ...DEFAULTS, delayFactor: 0 },
      5,
      [
        [0, 0],
        [1, 0],
      ],
    ],
  ] as const)('%s', (_what, policy, retry, cases) => {
    for (const [random, expected] of cases) {
      expect(retryDelay(policy, retry, () => random)).toBeCloseTo(expected);
    }
  });
});

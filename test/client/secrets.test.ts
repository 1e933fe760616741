import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEBUG_ENV } from '../../src/client/log.js';
import { createTemporaryCredentials } from '../../src/client/temporary-credentials.js';
import type { Logger } from '../../src/logger.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { Fake } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

let server: ApiServer;

beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env[DEBUG_ENV];
});

const temporary = createTemporaryCredentials({
  credentials: PERMANENT,
  start: Date.now() - 60_000,
  expiry: Date.now() + 3_600_000,
  scopes: ['fake:search'],
});
const SIGNATURE = JSON.parse(temporary.certificate as string).signature as string;

/** Everything that must never be shown. */
function secrets(extra: readonly string[] = []): string[] {
  return [PERMANENT.accessToken, temporary.accessToken, SIGNATURE, 'Hawk ', 'bewit', ...extra];
}

function everyRendering(error: unknown): string {
  const e = error as Error;
  return [String(e), e.message, e.stack ?? '', JSON.stringify(e), String(e.cause ?? '')].join('\n');
}

function expectNoSecret(text: string, extra: readonly string[] = []): void {
  for (const secret of secrets(extra)) expect(text).not.toContain(secret);
}

/** A logger that keeps every line as JSON text. */
function recordingLogger(lines: string[]): Logger {
  const record = (obj: object, msg?: string) => lines.push(JSON.stringify([obj, msg]));
  return { debug: record, info: record, warn: record, error: record };
}

describe('no secret in errors or logs', () => {
  it.each([
    ['a 401 from a wrong token', () => ({ ...PERMANENT, accessToken: 'wrong-secret-token' }), 401],
    ['a 403 of temporary credentials', () => temporary, 403],
  ])('%s', async (_what, credentials, status) => {
    const lines: string[] = [];
    const fake = new Fake({
      rootUrl: server.rootUrl,
      credentials: credentials(),
      logger: recordingLogger(lines),
    });
    const error = await fake.createThing({ name: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: status });
    expectNoSecret(everyRendering(error), ['wrong-secret-token']);
    expect(lines.length).toBe(1);
    expectNoSecret(lines.join('\n'), ['wrong-secret-token']);
  });

  it('a connection error after retries', async () => {
    const fake = new Fake({ rootUrl: server.rootUrl, credentials: temporary, maxRetries: 1 });
    const key = server.routeKey('fake', 'get', '/ping');
    server.injectFaults(key, { type: 'reset' }, { type: 'reset' });
    const error = await fake.ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TaskclusterConnectionError' });
    expectNoSecret(everyRendering(error));
  });

  it('an invalid certificate', () => {
    const bad = `{"signature":"${SIGNATURE}", oops`;
    const error = (() => {
      try {
        new Fake({ rootUrl: server.rootUrl, credentials: { ...PERMANENT, certificate: bad } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ name: 'InputError' });
    expectNoSecret(everyRendering(error));
  });

  it('debug lines on stderr with DEBUG_TASKCLUSTER_CLIENT, and with a logger', async () => {
    process.env[DEBUG_ENV] = '1';
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const lines: string[] = [];
    const fake = new Fake({
      rootUrl: server.rootUrl,
      credentials: temporary,
      logger: recordingLogger(lines),
    });
    const key = server.routeKey('fake', 'get', '/search/<kind>');
    server.injectFaults(key, { type: 'status', status: 503 });
    await fake.searchThings('k', { query: { color: 'red' } });
    const url = `${server.rootUrl}/api/fake/v1/search/k?color=red`;
    expect(written).toHaveLength(2);
    expect(written[0]).toContain(`GET ${url} -> 503 (attempt 1,`);
    expect(written[1]).toContain(`GET ${url} -> 200 (attempt 2,`);
    expect(lines.map((line) => JSON.parse(line)[0])).toMatchObject([
      { method: 'GET', url, status: 503, attempt: 1 },
      { method: 'GET', url, status: 200, attempt: 2 },
    ]);
    expectNoSecret([...written, ...lines].join('\n'));
  });

  it('no debug line without the variable and without a logger', async () => {
    const write = vi.spyOn(process.stderr, 'write');
    await new Fake({ rootUrl: server.rootUrl, credentials: PERMANENT }).ping();
    expect(write).not.toHaveBeenCalled();
  });
});

describe('no secret when a client is shown', () => {
  it('JSON.stringify, String and util.inspect of a client', () => {
    const fake = new Fake({ rootUrl: server.rootUrl, credentials: temporary });
    expect(fake.options.credentials?.accessToken).toBe(temporary.accessToken);
    expectNoSecret([JSON.stringify(fake), String(fake), inspect(fake, { depth: 10 })].join('\n'));
  });
});

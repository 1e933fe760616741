/**
 * REST faults against the Hawk-verifying loopback server: every sequence of injected faults
 * (5xx bursts, resets, slow answers past the timeout, truncated and non-JSON bodies, 4xx) is
 * retried or failed exactly as the request module documents, checked against a model and
 * counted at the server; a 303 to storage is returned, not followed, and a failing storage is
 * retried or failed with typed errors.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadArtifact } from '../../src/client/artifacts.js';
import { TaskclusterConnectionError, TaskclusterHttpError } from '../../src/client/errors.js';
import { Queue } from '../../src/client/generated/queue.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import type { Fault } from '../../src/testing/faults.js';
import { routeKey } from '../../src/testing/routes.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { STORAGE_PATH } from '../../src/testing/storage.js';
import { Fake } from '../fixtures/fake-service.js';
import { startFakeServer } from '../fixtures/fake-service-server.js';
import { capturingLogger, FIXED_SECRETS, rejectionOf } from './support/leak-scan.js';
import { recordCounts, size } from './support/report.js';

const CLIENT_ID = 'reliability-rest';
/** Per-attempt timeout of the clients here; `delay` faults wait well past it. */
const TIMEOUT_MS = 600;
const SLOW_MS = 3_000;

let server: ApiServer;
const logLines: string[] = [];

beforeAll(async () => {
  server = await startFakeServer();
  server.addClient(CLIENT_ID, { accessToken: FIXED_SECRETS.restAccessToken, scopes: ['fake:*'] });
});
afterAll(() => server.close());

function fake(maxRetries: number): InstanceType<typeof Fake> {
  return new Fake({
    rootUrl: server.rootUrl,
    credentials: { clientId: CLIENT_ID, accessToken: FIXED_SECRETS.restAccessToken },
    maxRetries,
    timeout: TIMEOUT_MS,
    logger: capturingLogger(logLines),
  });
}

/** One attempt's fault, or `null` for a normal answer. */
type Step = Fault | null;

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant(null),
  fc.constantFrom(500, 502, 503, 504).map((status): Fault => ({ type: 'status', status })),
  fc.constantFrom(400, 404, 409).map(
    (status): Fault => ({
      type: 'status',
      status,
      body: { code: `Code${status}`, message: 'no' },
    }),
  ),
  fc.constant<Fault>({ type: 'reset' }),
  fc.constant<Fault>({ type: 'delay', ms: SLOW_MS }),
  fc.constant<Fault>({ type: 'truncate' }),
  fc.constantFrom(200, 502).map((status): Fault => ({ type: 'non-json', status })),
);

/** What the client must do with these steps: how many attempts, and how the call ends. */
type Outcome =
  | { type: 'ok' }
  | { type: 'http'; status: number; code: string }
  | { type: 'connection'; code: 'ConnectionError' | 'RequestTimeout' };

function retryable(fault: Step): boolean {
  if (fault === null) return false;
  switch (fault.type) {
    case 'status':
    case 'non-json':
      return fault.status >= 500;
    default:
      return true;
  }
}

function finalOutcome(fault: Step): Outcome {
  if (fault === null) return { type: 'ok' };
  switch (fault.type) {
    case 'status':
      return {
        type: 'http',
        status: fault.status,
        code: fault.status >= 500 ? 'InternalServerError' : `Code${fault.status}`,
      };
    case 'non-json':
      return fault.status >= 500
        ? { type: 'http', status: fault.status, code: `HttpError${fault.status}` }
        : { type: 'http', status: fault.status, code: 'MalformedResponse' };
    case 'delay':
      return { type: 'connection', code: 'RequestTimeout' };
    default:
      return { type: 'connection', code: 'ConnectionError' };
  }
}

/** The documented behaviour: retry 5xx, network errors, timeouts; stop at anything else. */
function model(steps: readonly Step[], maxRetries: number): { attempts: number; outcome: Outcome } {
  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    const fault = steps[attempt - 1] ?? null;
    if (!retryable(fault) || attempt === maxRetries + 1) {
      return { attempts: attempt, outcome: finalOutcome(fault) };
    }
  }
  throw new Error('unreachable');
}

const totals = { calls: 0, attempts: 0, ok: 0, http: 0, connection: 0 };

describe('REST faults', () => {
  it('each fault sequence is retried or failed as documented, counted at the server', async () => {
    const key = server.routeKey('fake', 'get', '/things/<thingId>/versions/<version>');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 5 }),
        fc.integer({ min: 0, max: 3 }),
        async (steps, maxRetries) => {
          const expected = model(steps, maxRetries);
          // Only the faults the client will meet are injected, so none is left for the next run.
          const injected = steps.slice(0, expected.attempts).filter((s): s is Fault => s !== null);
          const before = server.attempts(key);
          server.injectFaults(key, ...injected);
          const version = ++n;
          const call = fake(maxRetries).getThing('t', version);
          totals.calls++;
          if (expected.outcome.type === 'ok') {
            await expect(call).resolves.toEqual({ thingId: 't', version: String(version) });
            totals.ok++;
          } else {
            const error = await rejectionOf(call);
            if (expected.outcome.type === 'http') {
              expect(error).toBeInstanceOf(TaskclusterHttpError);
              expect(error).toMatchObject({
                statusCode: expected.outcome.status,
                code: expected.outcome.code,
              });
              totals.http++;
            } else {
              expect(error).toBeInstanceOf(TaskclusterConnectionError);
              expect(error).toMatchObject({
                code: expected.outcome.code,
                attempts: maxRetries + 1,
              });
              totals.connection++;
            }
          }
          expect(server.attempts(key) - before).toBe(expected.attempts);
          totals.attempts += expected.attempts;
        },
      ),
      { numRuns: size(60, 400) },
    );
    // One debug line per attempt reached the capturing logger.
    expect(logLines.length).toBeGreaterThanOrEqual(totals.attempts);
  });

  it('a 5xx burst under concurrent calls: every call succeeds, attempts = calls + faults', async () => {
    const key = server.routeKey('fake', 'get', '/search/<kind>');
    const client = fake(4);
    const before = server.attempts(key);
    const burst: Fault[] = [500, 502, 503, 503, 502, 500, 503, 502].map((status) => ({
      type: 'status',
      status,
    }));
    server.injectFaults(key, ...burst, { type: 'reset' }, { type: 'truncate' });
    const calls = 40;
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) => client.searchThings(`k${i}`)),
    );
    expect(results.map((r: unknown) => (r as { kind: string }).kind)).toEqual(
      Array.from({ length: calls }, (_, i) => `k${i}`),
    );
    expect(server.attempts(key) - before).toBe(calls + burst.length + 2);
    totals.calls += calls;
    totals.attempts += calls + burst.length + 2;
  });
});

describe('a 303 to storage that then fails', () => {
  let deployment: TaskclusterServer;
  let taskId: string;
  const reader = { clientId: 'reliability-reader', accessToken: FIXED_SECRETS.restAccessToken };
  const storageKey = routeKey('GET', `${STORAGE_PATH}/<key>`);
  const content = 'artifact bytes\n'.repeat(100);

  beforeAll(async () => {
    deployment = await startTaskclusterServer({
      clients: { [reader.clientId]: { accessToken: reader.accessToken, scopes: ['queue:*'] } },
    });
    taskId = deployment.queue.defineTask().taskId;
    deployment.queue.claimTask(taskId);
    deployment.queue.addArtifact(taskId, {
      storageType: 's3',
      name: 'public/a.txt',
      content,
      contentType: 'text/plain',
    });
  });
  afterAll(() => deployment.close());

  function queue(maxRetries: number): Queue {
    return new Queue({
      rootUrl: deployment.rootUrl,
      credentials: reader,
      maxRetries,
      timeout: TIMEOUT_MS,
      logger: capturingLogger(logLines),
    });
  }

  it('the API answers 303: the client returns its body and does not follow it', async () => {
    const before = deployment.attempts(storageKey);
    const answer = await queue(0).getArtifact(taskId, 0, 'public/a.txt');
    expect(answer).toMatchObject({ storageType: 's3' });
    expect(String((answer as { url: string }).url)).toContain(STORAGE_PATH);
    expect(deployment.attempts(storageKey)).toBe(before);
  });

  const fault = (status: number): Fault => ({ type: 'status', status });
  const slow: Fault = { type: 'delay', ms: SLOW_MS };
  it.each<[string, Fault[], number, number, 'ok' | 'http' | 'connection']>([
    ['a 503 burst is retried', [fault(503), fault(502), fault(500)], 3, 4, 'ok'],
    [
      'a reset and a truncated body are retried',
      [{ type: 'reset' }, { type: 'truncate' }],
      2,
      3,
      'ok',
    ],
    ['a 403 is final', [fault(403)], 2, 1, 'http'],
    ['5xx past the retries is an HTTP error', [fault(503), fault(503), fault(503)], 2, 3, 'http'],
    ['a slow storage past the retries is a timeout', [slow, slow], 1, 2, 'connection'],
  ])('%s', async (_what, faults, maxRetries, attempts, expected) => {
    const before = deployment.attempts(storageKey);
    deployment.injectFaults(storageKey, ...faults);
    const download = downloadArtifact(queue(maxRetries), {
      taskId,
      runId: 0,
      name: 'public/a.txt',
      to: 'buffer',
    });
    if (expected === 'ok') {
      const { body } = await download;
      expect(body.toString()).toBe(content);
    } else {
      const error = await rejectionOf(download);
      expect(error).toBeInstanceOf(
        expected === 'http' ? TaskclusterHttpError : TaskclusterConnectionError,
      );
      // No presigned query string in what the error shows.
      expect(String((error as Error).message)).not.toContain('?');
    }
    expect(deployment.attempts(storageKey) - before).toBe(attempts);
    totals.calls++;
    totals.attempts += attempts;
  });
});

afterAll(() => {
  recordCounts('rest-faults', totals);
});

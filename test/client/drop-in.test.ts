import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as taskclusterPulse from '../../src/index.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import {
  officialApiScript,
  type ScriptResult,
  type TaskclusterModule,
} from './fixtures/official-api-script.js';

// The official client ships no types; it is loaded by name and given the script's shapes.
const OFFICIAL_CLIENT_PACKAGE = 'taskcluster-client';

/**
 * This package in the official module's shape: the same classes and functions under the same
 * names, but for `slugid()`, which is `slugId()` here (MIGRATING.md lists every difference).
 */
const ours: TaskclusterModule = {
  Queue: taskclusterPulse.Queue,
  Auth: taskclusterPulse.Auth,
  slugid: taskclusterPulse.slugId,
  fromNowJSON: taskclusterPulse.fromNowJSON,
};

const CREDENTIALS = { clientId: 'script', accessToken: 'script-secret-token-0123456789' };
const TRACE_HEADER = 'x-taskcluster-trace-id';

/** What both packages must see: the script's result, known beforehand. */
const EXPECTED: ScriptResult = {
  pages: [['build', 'test'], ['lint']],
  task: 'test',
  state: 'pending',
  missing: { statusCode: 404, code: 'ResourceNotFound' },
  narrowed: 'build',
  refused: { statusCode: 403, code: 'InsufficientScopes' },
  scopes: ['auth:current-scopes', 'queue:get-task:x'],
  url: '<rootUrl>/api/queue/v1/task-group/<taskGroupId>/list?limit=1',
  signed: { status: 200, name: 'lint' },
};

describe('one script written against the official client, run with both packages', () => {
  let server: TaskclusterServer;
  let official: TaskclusterModule;

  beforeAll(async () => {
    official = (await import(OFFICIAL_CLIENT_PACKAGE)).default as TaskclusterModule;
    server = await startTaskclusterServer({
      clients: {
        [CREDENTIALS.clientId]: {
          accessToken: CREDENTIALS.accessToken,
          scopes: ['queue:*', 'auth:current-scopes'],
        },
      },
    });
  });
  afterAll(() => server.close());

  /** Runs the script with one package; the first attempt of its `status` call fails with a 503. */
  async function run(tc: TaskclusterModule, traceId: string) {
    const statusRoute = server.routeKey('queue', 'get', '/task/<taskId>/status');
    server.injectFaults(statusRoute, { type: 'status', status: 503 });
    const before = server.requests.length;
    const result = await officialApiScript(tc, {
      rootUrl: server.rootUrl,
      credentials: CREDENTIALS,
      traceId,
    });
    const requests = server.requests.slice(before);
    return {
      result,
      statusAttempts: requests.filter((r) => r.route === statusRoute).map((r) => r.status),
      traced: requests.filter((r) => r.headers[TRACE_HEADER] === traceId).length,
      signedBy: requests.map((r) => r.auth),
    };
  }

  it('sees the same: results, retries, trace ids and authentication', async () => {
    const theirs = await run(official, 'trace-official');
    const mine = await run(ours, 'trace-pulse');
    expect(theirs.result).toEqual(EXPECTED);
    expect(mine.result).toEqual(theirs.result);
    expect(theirs.statusAttempts).toEqual([503, 200]);
    expect(mine.statusAttempts).toEqual(theirs.statusAttempts);
    // Every request of the traced queue client: 3 createTask, 2 pages, 2 task (one missing),
    // 2 status attempts, 2 of the narrowed client (use() keeps the traceId); not Auth's, nor
    // the signed URL's fetch.
    expect(theirs.traced).toBe(11);
    expect(mine.traced).toBe(theirs.traced);
    expect(mine.signedBy).toEqual(theirs.signedBy);
  });
});

/**
 * The REST benchmark's server, in its own process so that its work is not counted against the
 * client. It is the instrument, not the thing measured, so it does as little as a server that
 * checks what the clients send can: every request is authenticated as the simulated deployment
 * authenticates it (`authenticateRequest`: the Hawk header, and a POST's payload hash when the
 * client signed one, verified by the `hawk` package's server side as Taskcluster's services do,
 * replayed nonces refused), and the answer is the JSON the simulated deployment gives for the
 * same call (a task definition; the status a triggered hook returns), made once before the
 * clients start. What it leaves out of the full deployment is routing, scope checks and
 * validating every answer against its schema, which on these two shared cores cost 200-250 us
 * of CPU per request: more than our client's own work, so it, not the client, set the rate.
 */

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticateRequest, HAWK_TIMESTAMP_SKEW_S } from '../src/testing/authenticate.js';
import {
  type EncodedResponse,
  encodeResponse,
  readBody,
  writeResponse,
} from '../src/testing/http-io.js';
import { startTaskclusterServer } from '../src/testing/index.js';
import { NonceRegistry } from '../src/testing/nonces.js';
import { reportReady, runAsWorker, stopRequested } from './worker-ipc.js';

/** What the clients need to reach the server. */
export interface RestServerInfo {
  rootUrl: string;
  clientId: string;
  accessToken: string;
  taskId: string;
  hookGroupId: string;
  hookId: string;
}

/** What the server did over the whole benchmark. */
export interface RestServerResult {
  requests: number;
  /** Requests whose Hawk verification failed (each also answered 401 to its client). */
  refused: number;
  /** CPU time of the server process, in milliseconds. */
  cpuMs: number;
}

/** The client id the benchmark's clients use. */
const BENCH_CLIENT_ID = 'bench/client';
const HOOK_GROUP_ID = 'project-bench';
const HOOK_ID = 'nightly';

/** The two answers, as the simulated deployment gives them. */
async function answers(): Promise<{
  taskId: string;
  task: EncodedResponse;
  triggered: EncodedResponse;
}> {
  const simulated = await startTaskclusterServer();
  try {
    const { taskId } = simulated.queue.defineTask({
      routes: ['index.project.bench.latest', 'tc-treeherder.v2.bench.abcdef'],
      tags: { kind: 'build', label: 'build-linux64/opt' },
    });
    return {
      taskId,
      task: encodeResponse({ json: simulated.queue.task(taskId) }),
      // `hooks.triggerHook` as Taskcluster answers it: the status of the task the hook created.
      triggered: encodeResponse({ json: { status: simulated.queue.status(taskId) } }),
    };
  } finally {
    await simulated.close();
  }
}

void runAsWorker(async () => {
  const accessToken = randomBytes(32).toString('base64url');
  const { taskId, task, triggered } = await answers();
  const taskPath = `/api/queue/v1/task/${taskId}`;
  const triggerPath = `/api/hooks/v1/hooks/${HOOK_GROUP_ID}/${HOOK_ID}/trigger`;
  const client = { accessToken, scopes: ['*'] };
  const lookup = (clientId: string) => (clientId === BENCH_CLIENT_ID ? client : undefined);
  const expand = (scopes: readonly string[]) => [...scopes];
  const nonces = new NonceRegistry(2 * HAWK_TIMESTAMP_SKEW_S * 1000);
  const notFound = encodeResponse({ status: 404, json: { code: 'ResourceNotFound' } });
  let requests = 0;
  let refused = 0;
  let port = 0;

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    requests++;
    void (async () => {
      const rawBody = await readBody(req);
      const answer =
        req.method === 'GET' && req.url === taskPath
          ? task
          : req.method === 'POST' && req.url === triggerPath
            ? triggered
            : undefined;
      if (answer === undefined) {
        writeResponse(res, notFound);
        return;
      }
      const authentication = await authenticateRequest(req, undefined, rawBody, {
        lookup,
        expand,
        now: Date.now(),
        host: '127.0.0.1',
        port,
        nonces,
      });
      if (authentication.type !== 'authenticated') {
        refused++;
        const message = authentication.type === 'failed' ? authentication.message : 'anonymous';
        writeResponse(
          res,
          encodeResponse({ status: 401, json: { code: 'AuthenticationFailed', message } }),
        );
        return;
      }
      writeResponse(res, answer);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const stop = stopRequested();
  await reportReady({
    rootUrl: `http://127.0.0.1:${port}`,
    clientId: BENCH_CLIENT_ID,
    accessToken,
    taskId,
    hookGroupId: HOOK_GROUP_ID,
    hookId: HOOK_ID,
  } satisfies RestServerInfo);
  const cpuStart = process.cpuUsage();
  await stop;
  const cpu = process.cpuUsage(cpuStart);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { requests, refused, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies RestServerResult;
});

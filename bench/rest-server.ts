/**
 * The REST benchmark's server, in its own process so that its work (Hawk verification, routing)
 * is not counted against the client: the project's simulated Taskcluster deployment with one
 * task to GET and a hook to trigger (POST), and one client allowed everything.
 */

import { randomBytes } from 'node:crypto';
import { startTaskclusterServer } from '../src/testing/index.js';
import { reportReady, runAsWorker, stopRequested } from './worker-ipc.js';

/** What the clients need to reach the server. */
export interface RestServerInfo {
  rootUrl: string;
  clientId: string;
  accessToken: string;
  taskId: string;
}

/** What the server did over the whole benchmark. */
export interface RestServerResult {
  requests: number;
  /** CPU time of the server process, in milliseconds. */
  cpuMs: number;
}

/** The client id the benchmark's clients use. */
const BENCH_CLIENT_ID = 'bench/client';

void runAsWorker(async () => {
  const accessToken = randomBytes(32).toString('base64url');
  const server = await startTaskclusterServer({
    clients: { [BENCH_CLIENT_ID]: { accessToken, scopes: ['*'] } },
  });
  const { taskId } = server.queue.defineTask({
    routes: ['index.project.bench.latest', 'tc-treeherder.v2.bench.abcdef'],
    tags: { kind: 'build', label: 'build-linux64/opt' },
  });
  // `hooks.triggerHook` as Taskcluster answers it: the status of the task the hook created.
  server.route(
    'hooks',
    'post',
    '/hooks/<hookGroupId>/<hookId>/trigger',
    (ctx) => {
      ctx.requireScopes([[`hooks:trigger-hook:${ctx.params.hookGroupId}/${ctx.params.hookId}`]]);
      return { json: { status: server.queue.status(taskId) } };
    },
    { name: 'triggerHook' },
  );
  const stop = stopRequested();
  await reportReady({
    rootUrl: server.rootUrl,
    clientId: BENCH_CLIENT_ID,
    accessToken,
    taskId,
  } satisfies RestServerInfo);
  const cpuStart = process.cpuUsage();
  await stop;
  const cpu = process.cpuUsage(cpuStart);
  const requests = server.requests.length;
  await server.close();
  return { requests, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies RestServerResult;
});

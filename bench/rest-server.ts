/**
 * The REST benchmark's server, in its own process so that its work is not counted against the
 * client. It is the instrument, not the thing measured, so it does as little as a server that
 * checks what the clients send can: every request's Hawk header (and a POST's payload hash) is
 * verified with the `hawk` package's server side, as Taskcluster's services do, and the answer
 * is the JSON the simulated deployment gives for the same call (a task definition; the status
 * a triggered hook returns), made once before the clients start. The full simulated
 * deployment also routes, checks scopes and validates every answer against its schema, which
 * on these two shared cores cost 200-250 us of CPU per request: more than our client's own
 * work, so it, not the client, set the rate.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as hawk from 'hawk';
import { startTaskclusterServer } from '../src/testing/index.js';
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
async function answers(): Promise<{ taskId: string; task: Buffer; triggered: Buffer }> {
  const simulated = await startTaskclusterServer();
  try {
    const { taskId } = simulated.queue.defineTask({
      routes: ['index.project.bench.latest', 'tc-treeherder.v2.bench.abcdef'],
      tags: { kind: 'build', label: 'build-linux64/opt' },
    });
    return {
      taskId,
      task: Buffer.from(JSON.stringify(simulated.queue.task(taskId))),
      // `hooks.triggerHook` as Taskcluster answers it: the status of the task the hook created.
      triggered: Buffer.from(JSON.stringify({ status: simulated.queue.status(taskId) })),
    };
  } finally {
    await simulated.close();
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

void runAsWorker(async () => {
  const accessToken = randomBytes(32).toString('base64url');
  const { taskId, task, triggered } = await answers();
  const taskPath = `/api/queue/v1/task/${taskId}`;
  const triggerPath = `/api/hooks/v1/hooks/${HOOK_GROUP_ID}/${HOOK_ID}/trigger`;
  const credentials = { key: accessToken, algorithm: 'sha256' as const, user: BENCH_CLIENT_ID };
  const notFound = Buffer.from(JSON.stringify({ code: 'ResourceNotFound' }));
  let requests = 0;
  let refused = 0;

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    requests++;
    void (async () => {
      const body = await readBody(req);
      const answer =
        req.method === 'GET' && req.url === taskPath
          ? task
          : req.method === 'POST' && req.url === triggerPath
            ? triggered
            : undefined;
      if (answer === undefined) {
        send(res, 404, notFound);
        return;
      }
      // Taskcluster verifies the payload only when the client signed its hash.
      const signedHash = /\bhash="/.test(req.headers.authorization ?? '');
      try {
        await hawk.server.authenticate(
          req,
          (id) => {
            if (id !== BENCH_CLIENT_ID) throw new Error(`Unknown clientId ${id}`);
            return credentials;
          },
          signedHash ? { payload: body.toString('utf8') } : {},
        );
      } catch (error) {
        refused++;
        const message = error instanceof Error ? error.message : 'authentication failed';
        send(res, 401, Buffer.from(JSON.stringify({ code: 'AuthenticationFailed', message })));
        return;
      }
      send(res, 200, answer);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
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

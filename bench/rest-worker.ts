/**
 * One REST client in its own process, ours or the official `taskcluster-client`, sending
 * authenticated GETs (`queue.task`) or POSTs (`hooks.triggerHook` with a 2 KB payload) with a
 * fixed number of calls in flight, against the benchmark's server. Both clients use the same
 * credentials, keep connections alive and retry (5 retries, each package's default); ours sends
 * over its default transport (node:http, a keep-alive agent per client), the baseline over its
 * own keep-alive agent limited to the number of calls in flight.
 */

import baseline from 'taskcluster-client';
import { Hooks, Queue } from '../src/index.js';
import { REST_POST_BYTES } from './config.js';
import type { RestServerInfo } from './rest-server.js';
import { runAsWorker, workerTask } from './worker-ipc.js';

/** The task of a REST worker. */
export interface RestTask {
  kind: 'ours' | 'baseline';
  op: 'get' | 'post';
  server: RestServerInfo;
  count: number;
  concurrency: number;
  warmup: number;
}

/** What one REST trial measured. */
export interface RestResult {
  requests: number;
  ms: number;
  /** CPU time of this (client) process during the timed calls, in milliseconds. */
  cpuMs: number;
}

/** A trigger context of about {@link REST_POST_BYTES} bytes of JSON. */
function triggerPayload(): { source: string; revisions: string[] } {
  const revisions: string[] = [];
  const payload = { source: 'bench', revisions };
  while (JSON.stringify(payload).length < REST_POST_BYTES) {
    revisions.push(`${revisions.length.toString(16).padStart(40, 'a')}`);
  }
  return payload;
}

function makeCall(task: RestTask): () => Promise<unknown> {
  const { rootUrl, clientId, accessToken, taskId, hookGroupId, hookId } = task.server;
  const credentials = { clientId, accessToken };
  const payload = triggerPayload();
  if (task.kind === 'ours') {
    if (task.op === 'get') {
      const queue = new Queue({ rootUrl, credentials });
      return () => queue.task(taskId);
    }
    const hooks = new Hooks({ rootUrl, credentials });
    return () => hooks.triggerHook(hookGroupId, hookId, payload);
  }
  const agent = { keepAlive: true, maxSockets: task.concurrency };
  if (task.op === 'get') {
    const queue = new baseline.Queue({ rootUrl, credentials, agent });
    return () => queue.task(taskId);
  }
  const hooks = new baseline.Hooks({ rootUrl, credentials, agent });
  return () => hooks.triggerHook(hookGroupId, hookId, payload);
}

/** Makes `count` calls, `concurrency` at a time. */
async function callMany(call: () => Promise<unknown>, count: number, concurrency: number) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

void runAsWorker(async (): Promise<RestResult> => {
  const task = workerTask<RestTask>();
  const call = makeCall(task);
  await callMany(call, task.warmup, task.concurrency);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await callMany(call, task.count, task.concurrency);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { requests: task.count, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
});

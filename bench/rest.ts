/**
 * 4. REST calls: authenticated GETs and 2 KB POSTs with 16 calls in flight against a lean
 * Hawk-verifying server (in its own process), by ours and by the official `taskcluster-client`,
 * alternately, each trial in a fresh client process after a warm-up. Requests per second, and
 * the client's CPU per request (what the client itself costs, whatever the server's speed).
 */

import { runWorker, startWorker } from './child.js';
import { type BenchSizes, REST_CONCURRENCY } from './config.js';
import { progress, rate } from './log.js';
import type { RestServerInfo, RestServerResult } from './rest-server.js';
import type { RestResult, RestTask } from './rest-worker.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const SERVER = new URL('./rest-server.js', import.meta.url);
/** The least ratio of our requests per second to the official client's. */
const REST_THROUGHPUT_GOAL = 3;
/** The most CPU per request our client may spend, against the official client's. */
const REST_CPU_GOAL = 0.33;
const WORKER = new URL('./rest-worker.js', import.meta.url);

/** Runs the benchmark; `profile` writes CPU profiles of our client. */
export async function rest(sizes: BenchSizes, profile: boolean): Promise<ResultRow[]> {
  const server = startWorker<RestServerResult>(SERVER, {}, profile);
  const info = (await server.ready) as RestServerInfo;
  const rows: ResultRow[] = [];
  try {
    for (const [op, count] of [
      ['get', sizes.restGets],
      ['post', sizes.restPosts],
    ] as const) {
      const rates = { ours: [] as number[], baseline: [] as number[] };
      const cpu = { ours: [] as number[], baseline: [] as number[] };
      for (let round = 0; round < sizes.restRounds; round++) {
        const kinds =
          round % 2 === 0 ? (['baseline', 'ours'] as const) : (['ours', 'baseline'] as const);
        for (const kind of kinds) {
          const task: RestTask = {
            kind,
            op,
            server: info,
            count,
            concurrency: REST_CONCURRENCY,
            warmup: sizes.restWarmup,
          };
          const result = await runWorker<RestResult>(WORKER, task, profile && kind === 'ours');
          rates[kind].push((result.requests / result.ms) * 1000);
          cpu[kind].push((result.cpuMs * 1000) / result.requests);
          progress(
            `rest ${op} ${kind}: ${rate(result.requests, result.ms)}, ${((result.cpuMs * 1000) / result.requests).toFixed(0)} us client CPU/request`,
          );
        }
      }
      const what = op === 'get' ? 'GET queue.task' : 'POST hooks.triggerHook 2 KB';
      rows.push(
        {
          figure: `REST ${what}, ${REST_CONCURRENCY} in flight`,
          unit: 'req/s',
          ours: median(rates.ours),
          baseline: median(rates.baseline),
          goal: { op: '>=', ratio: REST_THROUGHPUT_GOAL },
        },
        {
          figure: `REST ${what}, client CPU per request`,
          unit: 'us',
          ours: median(cpu.ours),
          baseline: median(cpu.baseline),
          goal: { op: '<=', ratio: REST_CPU_GOAL },
        },
      );
    }
  } finally {
    server.stop();
  }
  const served = await server.result;
  progress(
    `rest server: ${served.requests} requests (${served.refused} refused), ${((served.cpuMs * 1000) / served.requests).toFixed(0)} us server CPU/request`,
  );
  return rows;
}

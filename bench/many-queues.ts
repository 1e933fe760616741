/**
 * 8. Many queues in one process: 50 durable queues, each bound to the `task-completed`
 * exchange by a task route of its own, and messages published at a steady 1,000 per second
 * spread evenly over them (each CC'd to one queue's route). One process consumes them all:
 * the baseline with 50 plain amqplib consumers on one connection, ours with 50 `handle()`
 * runners of one client. Measured: publish-to-handler latency, CPU per message (both after a
 * warm-up second) and the process's RSS while it runs. Rounds alternate the order, each on
 * fresh queues in a fresh process; the medians are reported.
 */

import { taskRouteBinding } from '../src/index.js';
import {
  cleanUp,
  closeBenchBroker,
  declareTrialQueue,
  openBenchBroker,
  trialQueues,
} from './broker.js';
import { startWorker } from './child.js';
import { LATENCY_WARMUP_S, STEADY_PREFETCH } from './config.js';
import { publishSteadily, waitUntilDrained } from './latency.js';
import { progress } from './log.js';
import type {
  ManyQueuesKind,
  ManyQueuesQueue,
  ManyQueuesResult,
  ManyQueuesTask,
} from './many-queues-worker.js';
import { rssOf } from './memory.js';
import type { BenchMessage } from './messages.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const WORKER = new URL('./many-queues-worker.js', import.meta.url);

/** The sizes of one run of this section. */
interface ManyQueuesSizes {
  queues: number;
  /** Messages per second, over all queues. */
  rate: number;
  /** Seconds of steady publishing after the warm-up. */
  seconds: number;
  rounds: number;
}

/** The sizes, and the CI smoke run's. */
const SIZES: Record<'full' | 'quick', ManyQueuesSizes> = {
  full: { queues: 50, rate: 1_000, seconds: 20, rounds: 3 },
  quick: { queues: 50, rate: 1_000, seconds: 2, rounds: 1 },
};

/** Handlers at once per runner: 1,000 msg/s over 50 queues is 20 per queue and second. */
const RUNNER_CONCURRENCY = 8;
const SAMPLE_INTERVAL_MS = 100;

/** What one trial gave. */
interface Trial extends ManyQueuesResult {
  /** Highest RSS sampled while messages flowed, in MB. */
  rss: number;
}

/**
 * The pool with each message CC'd to one queue's route in turn: publishing it in order spreads
 * the messages evenly over the queues.
 */
function spreadPool(pool: readonly BenchMessage[], queues: readonly ManyQueuesQueue[]) {
  return Array.from({ length: pool.length * queues.length }, (_, i): BenchMessage => {
    const message = pool[i % pool.length]!;
    return { ...message, cc: [...message.cc, `route.${queues[i % queues.length]!.route}`] };
  });
}

/** Runs the benchmark; `profile` writes a CPU profile of our side's process. */
export async function manyQueues(
  quick: boolean,
  pool: readonly BenchMessage[],
  profile: boolean,
): Promise<ResultRow[]> {
  const sizes = SIZES[quick ? 'quick' : 'full'];
  const broker = await openBenchBroker();
  const { connection, channel, exchangePrefix, binding } = broker;
  const trials: Record<ManyQueuesKind, Trial[]> = { baseline: [], handle: [] };
  try {
    for (let round = 0; round < sizes.rounds; round++) {
      const kinds: ManyQueuesKind[] =
        round % 2 === 0 ? ['baseline', 'handle'] : ['handle', 'baseline'];
      for (const kind of kinds) {
        const made = Array.from({ length: sizes.queues }, () => trialQueues('many'));
        const queues = made.map(({ name, work }, i) => ({ name, work, route: `bench.many-${i}` }));
        try {
          for (const [i, trial] of made.entries()) {
            await declareTrialQueue(channel, trial, taskRouteBinding(binding, queues[i]!.route));
          }
          const task: ManyQueuesTask = {
            kind,
            queues,
            exchangePrefix,
            prefetch: STEADY_PREFETCH,
            concurrency: RUNNER_CONCURRENCY,
            warmup: sizes.rate * LATENCY_WARMUP_S,
          };
          const trial = await runTrial(task, profile && kind === 'handle', () =>
            publishSteadily(
              channel,
              binding.exchange,
              spreadPool(pool, queues),
              sizes.rate,
              LATENCY_WARMUP_S + sizes.seconds,
            ).then(async () => {
              for (const queue of queues) await waitUntilDrained(channel, queue.work);
            }),
          );
          trials[kind].push(trial);
          progress(
            `many queues ${kind}: ${trial.messages} messages, p50 ${trial.p50.toFixed(2)} ms, p99 ${trial.p99.toFixed(2)} ms, max ${trial.max.toFixed(1)} ms, ${cpuPerMessage(trial).toFixed(0)} us CPU per message, RSS ${trial.rss.toFixed(1)} MB`,
          );
        } finally {
          await cleanUp(
            connection,
            made.flatMap((trial) => trial.all),
            [],
          );
        }
      }
    }
  } finally {
    await closeBenchBroker(broker);
  }
  const of = (kind: ManyQueuesKind, value: (trial: Trial) => number) =>
    median(trials[kind].map(value));
  const label = `${sizes.queues} queues, ${sizes.rate.toLocaleString('en-US')} msg/s`;
  return [
    {
      figure: `many queues: latency p99 handle(), ${label}`,
      unit: 'ms',
      ours: of('handle', (trial) => trial.p99),
      baseline: of('baseline', (trial) => trial.p99),
    },
    {
      figure: `many queues: CPU per message, ${label}`,
      unit: 'us',
      ours: of('handle', cpuPerMessage),
      baseline: of('baseline', cpuPerMessage),
    },
    {
      figure: `many queues: peak RSS, ${label}`,
      unit: 'MB',
      ours: of('handle', (trial) => trial.rss),
      baseline: of('baseline', (trial) => trial.rss),
    },
  ];
}

function cpuPerMessage(trial: ManyQueuesResult): number {
  return (trial.cpuMs * 1000) / trial.messages;
}

/** Starts the worker, runs `publish` once it consumes, sampling its RSS meanwhile. */
async function runTrial(
  task: ManyQueuesTask,
  profile: boolean,
  publish: () => Promise<void>,
): Promise<Trial> {
  const worker = startWorker<ManyQueuesResult>(WORKER, task, profile);
  await worker.ready;
  const pid = worker.process.pid!;
  let rss = 0;
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      rss = Math.max(rss, (await rssOf(pid)) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    }
  })();
  try {
    await publish();
    // Messages delivered but not yet handled are not in the queues any more.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    sampling = false;
    await sampled;
    worker.stop();
  }
  const result = await worker.result;
  if (rss === 0) throw new Error('no RSS samples: /proc/<pid>/status is not readable');
  return { ...result, rss };
}

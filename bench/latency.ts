/**
 * 2. Latency: messages published at a steady rate, each stamped with the publisher's clock in a
 * header; the consumer (a peer of `peers.ts`, or ours through `handle()`) records
 * publish-to-handler latency after a warm-up second. All run against the same publisher, in
 * turn (the order flips each round), each in a fresh process.
 */

import type { Channel } from 'amqplib';
import {
  cleanUp,
  closeBenchBroker,
  declareTrialQueue,
  openBenchBroker,
  publishMessage,
  SENT_AT_HEADER,
  trialQueues,
} from './broker.js';
import { startWorker } from './child.js';
import { type BenchSizes, LATENCY_WARMUP_S, STEADY_PREFETCH } from './config.js';
import type { ConsumerKind, ConsumeTask, LatencyResult } from './consume-worker.js';
import { progress } from './log.js';
import type { BenchMessage } from './messages.js';
import { isPeer, PEERS } from './peers.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';
import { CONSUME_WORKER } from './throughput.js';

/** `handle()` concurrency in the latency benchmark. */
const LATENCY_CONCURRENCY = 32;
/** How long the consumer may take to catch up after the last publish. */
const DRAIN_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowEpoch = () => performance.timeOrigin + performance.now();

/** Publishes `rate` messages per second for `seconds`, on a schedule (not in bursts). */
export async function publishSteadily(
  channel: Channel,
  exchange: string,
  pool: readonly BenchMessage[],
  rate: number,
  seconds: number,
): Promise<void> {
  const total = rate * seconds;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      publishMessage(channel, exchange, pool[sent % pool.length]!, {
        [SENT_AT_HEADER]: nowEpoch(),
      });
    }
    await sleep(1);
  }
}

/** Waits until `queue` holds no ready message, for at most {@link DRAIN_TIMEOUT_MS}. */
export async function waitUntilDrained(channel: Channel, queue: string): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount === 0) return;
    await sleep(20);
  }
}

/** Runs the benchmark; `profile` writes CPU profiles of our consumers. */
export async function latency(
  sizes: BenchSizes,
  pool: readonly BenchMessage[],
  profile: boolean,
): Promise<ResultRow[]> {
  const broker = await openBenchBroker();
  const { connection, channel, exchangePrefix, binding } = broker;
  const kinds: ConsumerKind[] = [...PEERS.map((peer) => peer.kind), 'handle'];
  const results = new Map<ConsumerKind, LatencyResult[]>(kinds.map((kind) => [kind, []]));
  try {
    for (let round = 0; round < sizes.latencyRounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const queues = trialQueues('latency');
        try {
          await declareTrialQueue(channel, queues, binding);
          const task: ConsumeTask = {
            mode: 'latency',
            kind,
            work: queues.work,
            name: queues.name,
            exchangePrefix,
            prefetch: STEADY_PREFETCH,
            concurrency: LATENCY_CONCURRENCY,
            count: 0,
            warmup: sizes.latencyRate * LATENCY_WARMUP_S,
          };
          const worker = startWorker<LatencyResult>(CONSUME_WORKER, task, profile && !isPeer(kind));
          await worker.ready;
          await publishSteadily(
            channel,
            binding.exchange,
            pool,
            sizes.latencyRate,
            LATENCY_WARMUP_S + sizes.latencySeconds,
          );
          await waitUntilDrained(channel, queues.work);
          // Messages delivered but not yet handled are not in the queue any more.
          await sleep(100);
          worker.stop();
          const result = await worker.result;
          results.get(kind)!.push(result);
          progress(
            `latency ${kind}: ${result.messages} messages, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(1)} ms`,
          );
        } finally {
          await cleanUp(connection, queues.all, []);
        }
      }
    }
  } finally {
    await closeBenchBroker(broker);
  }
  const medianOf = (kind: ConsumerKind, key: 'p50' | 'p99') =>
    median(results.get(kind)!.map((result) => result[key]));
  return [
    {
      figure: `latency p50 handle() / amqplib, ${sizes.latencyRate} msg/s`,
      unit: 'ms',
      ours: medianOf('handle', 'p50'),
      baseline: medianOf('baseline', 'p50'),
    },
    ...PEERS.map(
      (peer): ResultRow => ({
        figure: `latency p99 handle() / ${peer.label}, ${sizes.latencyRate} msg/s`,
        unit: 'ms',
        ours: medianOf('handle', 'p99'),
        baseline: medianOf(peer.kind, 'p99'),
        goal: { op: '<=', ratio: 1.2 },
      }),
    ),
  ];
}

/**
 * 1. Consume throughput: a queue pre-filled with realistic `task-completed` messages, drained by
 * the plain amqplib baseline and by ours (`consume()` with manual ack, `handle()` with a no-op
 * handler at each concurrency), per prefetch. Trials alternate baseline and ours, each in a fresh
 * process on a fresh queue; the medians are reported.
 */

import {
  cleanUp,
  closeBenchBroker,
  declareTrialQueue,
  openBenchBroker,
  prefill,
  trialQueues,
} from './broker.js';
import { runWorker } from './child.js';
import { type BenchSizes, CONSUME_PREFETCHES, HANDLE_CONCURRENCIES } from './config.js';
import type { ConsumerKind, ConsumeTask, ThroughputResult } from './consume-worker.js';
import { progress, rate } from './log.js';
import type { BenchMessage } from './messages.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

/** The consume worker script. */
export const CONSUME_WORKER = new URL('./consume-worker.js', import.meta.url);

interface Variant {
  label: string;
  kind: ConsumerKind;
  concurrency: number;
}

const VARIANTS: readonly Variant[] = [
  { label: 'baseline', kind: 'baseline', concurrency: 1 },
  { label: 'consume()', kind: 'observable', concurrency: 1 },
  ...HANDLE_CONCURRENCIES.map((concurrency) => ({
    label: `handle() c=${concurrency}`,
    kind: 'handle' as const,
    concurrency,
  })),
];

/** Runs the benchmark; `profile` writes CPU profiles of our consumers. */
export async function consumeThroughput(
  sizes: BenchSizes,
  pool: readonly BenchMessage[],
  profile: boolean,
): Promise<ResultRow[]> {
  const broker = await openBenchBroker();
  const { connection, channel, exchangePrefix, binding } = broker;
  const rows: ResultRow[] = [];
  try {
    for (const prefetch of CONSUME_PREFETCHES) {
      const rates = new Map<string, number[]>(VARIANTS.map((variant) => [variant.label, []]));
      for (let round = 0; round < sizes.consumeRounds; round++) {
        // Alternate the order so that neither side always runs on a warmer broker.
        const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
        for (const variant of order) {
          const queues = trialQueues('throughput');
          try {
            await declareTrialQueue(channel, queues, binding);
            await prefill(channel, binding.exchange, queues.work, pool, sizes.consumeMessages);
            const task: ConsumeTask = {
              mode: 'throughput',
              kind: variant.kind,
              work: queues.work,
              name: queues.name,
              exchangePrefix,
              prefetch,
              concurrency: variant.concurrency,
              count: sizes.consumeMessages,
              slowMs: 0,
              warmup: 0,
            };
            const result = await runWorker<ThroughputResult>(
              CONSUME_WORKER,
              task,
              profile && variant.kind !== 'baseline',
            );
            rates.get(variant.label)!.push((result.messages / result.ms) * 1000);
            progress(
              `consume prefetch ${prefetch} ${variant.label}: ${rate(result.messages, result.ms)}, ${((result.cpuMs * 1000) / result.messages).toFixed(1)} us CPU/msg (${((result.systemMs * 1000) / result.messages).toFixed(1)} in the kernel)`,
            );
          } finally {
            await cleanUp(connection, queues.all, []);
          }
        }
      }
      const baselineRate = median(rates.get('baseline')!);
      for (const variant of VARIANTS.slice(1)) {
        rows.push({
          figure: `consume ${variant.label}, prefetch ${prefetch}`,
          unit: 'msg/s',
          ours: median(rates.get(variant.label)!),
          baseline: baselineRate,
          goal: { op: '>=', ratio: 0.9 },
        });
      }
    }
  } finally {
    await closeBenchBroker(broker);
  }
  return rows;
}

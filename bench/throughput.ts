/**
 * 1. Consume throughput: a queue pre-filled with realistic `task-completed` messages, drained by
 * the peers (`peers.ts`: raw amqplib acking each message or coalescing its acks, rascal,
 * @cloudamqp/amqp-client, rabbitmq-client) and by ours (`consume()` with manual ack, `handle()`
 * with a no-op handler at each concurrency), per prefetch; at prefetch 1000 raw amqplib is the
 * one baseline. Trials alternate the order each round, each in a fresh process on a fresh
 * queue; the medians are reported, with the worker's CPU per message.
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
import {
  type BenchSizes,
  CONSUME_PREFETCHES,
  HANDLE_CONCURRENCIES,
  PEER_PREFETCH,
} from './config.js';
import type { ConsumerKind, ConsumeTask, ThroughputResult } from './consume-worker.js';
import { progress, rate } from './log.js';
import type { BenchMessage } from './messages.js';
import { isPeer, PEERS, type PeerInfo } from './peers.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

/** The consume worker script. */
export const CONSUME_WORKER = new URL('./consume-worker.js', import.meta.url);

interface Variant {
  label: string;
  kind: ConsumerKind;
  concurrency: number;
}

const OBSERVABLE: Variant = { label: 'consume()', kind: 'observable', concurrency: 1 };

const OURS: readonly Variant[] = [
  OBSERVABLE,
  ...HANDLE_CONCURRENCIES.map((concurrency) => ({
    label: `handle() c=${concurrency}`,
    kind: 'handle' as const,
    concurrency,
  })),
];

const peerVariant = (peer: PeerInfo): Variant => ({
  label: peer.label,
  kind: peer.kind,
  concurrency: 1,
});

/** The peers at {@link PEER_PREFETCH}; raw amqplib alone at the other prefetches. */
function variantsAt(prefetch: number): Variant[] {
  const peers = prefetch === PEER_PREFETCH ? PEERS : PEERS.slice(0, 1);
  return [...peers.map(peerVariant), ...OURS];
}

/** What the trials of one variant measured. */
interface Measured {
  rates: number[];
  cpuPerMessage: number[];
}

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
      const variants = variantsAt(prefetch);
      const measured = new Map<string, Measured>(
        variants.map((variant) => [variant.label, { rates: [], cpuPerMessage: [] }]),
      );
      for (let round = 0; round < sizes.consumeRounds; round++) {
        // Alternate the order so that no consumer always runs on a warmer broker.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
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
              warmup: 0,
            };
            const result = await runWorker<ThroughputResult>(
              CONSUME_WORKER,
              task,
              profile && !isPeer(variant.kind),
            );
            const cpuPerMessage = (result.cpuMs * 1000) / result.messages;
            const trial = measured.get(variant.label)!;
            trial.rates.push((result.messages / result.ms) * 1000);
            trial.cpuPerMessage.push(cpuPerMessage);
            progress(
              `consume prefetch ${prefetch} ${variant.label}: ${rate(result.messages, result.ms)}, ${cpuPerMessage.toFixed(1)} us CPU/msg (${((result.systemMs * 1000) / result.messages).toFixed(1)} in the kernel)`,
            );
          } finally {
            await cleanUp(connection, queues.all, []);
          }
        }
      }
      rows.push(...rowsAt(prefetch, variants, measured));
    }
  } finally {
    await closeBenchBroker(broker);
  }
  return rows;
}

/**
 * At {@link PEER_PREFETCH}: each of ours against the best peer (goal: at least level), `handle()`
 * c=32 (what bots use) against each peer, and `handle()`'s CPU per message against
 * `consume()`'s; elsewhere each of ours against raw amqplib.
 */
function rowsAt(
  prefetch: number,
  variants: readonly Variant[],
  measured: ReadonlyMap<string, Measured>,
): ResultRow[] {
  const rateOf = (variant: Variant) => median(measured.get(variant.label)!.rates);
  const cpuOf = (variant: Variant) => median(measured.get(variant.label)!.cpuPerMessage);
  const peers = variants.filter((variant) => isPeer(variant.kind));
  if (prefetch !== PEER_PREFETCH) {
    return OURS.map((ours) => ({
      figure: `consume ${ours.label}, prefetch ${prefetch}`,
      unit: 'msg/s',
      ours: rateOf(ours),
      baseline: rateOf(peers[0]!),
      goal: { op: '>=', ratio: 0.9 },
    }));
  }
  const best = peers.reduce((a, b) => (rateOf(b) > rateOf(a) ? b : a));
  const bots = OURS.at(-1)!;
  return [
    ...OURS.map(
      (ours): ResultRow => ({
        figure: `consume ${ours.label} / best peer (${best.label}), prefetch ${prefetch}`,
        unit: 'msg/s',
        ours: rateOf(ours),
        baseline: rateOf(best),
        goal: { op: '>=', ratio: 1 },
      }),
    ),
    ...PEERS.map(
      (peer): ResultRow => ({
        figure: `consume ${bots.label} / ${peer.label}: ${peer.perMessage}`,
        unit: 'msg/s',
        ours: rateOf(bots),
        baseline: rateOf(peerVariant(peer)),
      }),
    ),
    ...OURS.filter((ours) => ours !== OBSERVABLE).map(
      (ours): ResultRow => ({
        figure: `consume ${ours.label} worker CPU per message / consume()'s`,
        unit: 'us',
        ours: cpuOf(ours),
        baseline: cpuOf(OBSERVABLE),
        goal: { op: '<=', ratio: 1.2 },
      }),
    ),
  ];
}

/**
 * 3. Publish throughput: the `task-completed` message set published with confirms to a durable
 * classic queue (through the run's own topic exchange), by raw amqplib's confirm channel with a
 * window of outstanding confirms and by our publisher with the same window. Trials alternate,
 * each in a fresh process on a fresh queue; the medians are reported.
 */

import {
  cleanUp,
  closeBenchBroker,
  declareTrialQueue,
  openBenchBroker,
  trialQueues,
} from './broker.js';
import { runWorker } from './child.js';
import { type BenchSizes, PUBLISH_WINDOW } from './config.js';
import { progress, rate } from './log.js';
import type { PublishResult, PublishTask } from './publish-worker.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const PUBLISH_WORKER = new URL('./publish-worker.js', import.meta.url);

/** Runs the benchmark; `profile` writes CPU profiles of our publisher. */
export async function publishThroughput(sizes: BenchSizes, profile: boolean): Promise<ResultRow[]> {
  const broker = await openBenchBroker();
  const { connection, channel, exchangePrefix, binding } = broker;
  const kinds: PublishTask['kind'][] = ['baseline', 'ours'];
  const rates = new Map(kinds.map((kind) => [kind, [] as number[]]));
  const cpu = new Map(kinds.map((kind) => [kind, [] as number[]]));
  try {
    for (let round = 0; round < sizes.publishRounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const queues = trialQueues('publish');
        try {
          await declareTrialQueue(channel, queues, binding);
          const task: PublishTask = {
            kind,
            exchangePrefix,
            count: sizes.publishMessages,
            window: PUBLISH_WINDOW,
          };
          const result = await runWorker<PublishResult>(
            PUBLISH_WORKER,
            task,
            profile && kind === 'ours',
          );
          const { messageCount } = await channel.checkQueue(queues.work);
          // Every confirmed message must be in the queue, or the trial measured a loss.
          if (messageCount !== result.messages) {
            throw new Error(
              `publish ${kind}: ${messageCount} of ${result.messages} messages queued`,
            );
          }
          const cpuPerMessage = (result.cpuMs * 1000) / result.messages;
          rates.get(kind)!.push((result.messages / result.ms) * 1000);
          cpu.get(kind)!.push(cpuPerMessage);
          progress(
            `publish ${kind}: ${rate(result.messages, result.ms)}, ${cpuPerMessage.toFixed(1)} us CPU/msg`,
          );
        } finally {
          await cleanUp(connection, queues.all, []);
        }
      }
    }
  } finally {
    await closeBenchBroker(broker);
  }
  return [
    {
      figure: `publish with confirms, window ${PUBLISH_WINDOW} / amqplib confirm channel`,
      unit: 'msg/s',
      ours: median(rates.get('ours')!),
      baseline: median(rates.get('baseline')!),
      goal: { op: '>=', ratio: 0.9 },
    },
    {
      figure: 'publish publisher CPU per message / amqplib confirm channel',
      unit: 'us',
      ours: median(cpu.get('ours')!),
      baseline: median(cpu.get('baseline')!),
    },
  ];
}

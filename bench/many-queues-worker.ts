/**
 * Many queues in one process: the baseline (plain amqplib, one connection, a channel per queue:
 * JSON.parse and ack) or ours (one client, a `handle()` runner per queue, an async no-op
 * handler) consumes every queue until stopped, recording publish-to-handler latency after the
 * warm-up and the CPU it spent from then on. The parent samples this process's RSS.
 */

import { connect as amqpConnect, type Channel } from 'amqplib';
import { connect, QueueEvents, taskRouteBinding } from '../src/index.js';
import { BENCH_NAMESPACE, BROKER_URL, SENT_AT_HEADER } from './broker.js';
import { percentile } from './stats.js';
import { reportReady, runAsWorker, stopRequested, workerTask } from './worker-ipc.js';

/** Which consumers run. */
export type ManyQueuesKind = 'baseline' | 'handle';

/** One queue: the `<name>` our runner is given, its full name and its task route. */
export interface ManyQueuesQueue {
  name: string;
  work: string;
  route: string;
}

/** The task of a many-queues worker. */
export interface ManyQueuesTask {
  kind: ManyQueuesKind;
  queues: ManyQueuesQueue[];
  exchangePrefix: string;
  prefetch: number;
  /** Handlers at once per runner (ours only). */
  concurrency: number;
  /** Messages left out at the start (of latencies and CPU): the warm-up. */
  warmup: number;
}

/** What a many-queues trial measured. */
export interface ManyQueuesResult {
  /** Messages counted (after the warm-up). */
  messages: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU time of this process from the end of the warm-up to the stop, in milliseconds. */
  cpuMs: number;
}

const CLOSE_TIMEOUT_MS = 5_000;
const task = workerTask<ManyQueuesTask>();
const nowEpoch = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latencies and CPU from the end of the warm-up. */
class Recorder {
  readonly latencies: number[] = [];
  #warmup = task.warmup;
  #cpu = process.cpuUsage();

  record(sentAt: unknown): void {
    if (this.#warmup > 0) {
      if (--this.#warmup === 0) this.#cpu = process.cpuUsage();
      return;
    }
    if (typeof sentAt === 'number') this.latencies.push(nowEpoch() - sentAt);
  }

  result(): ManyQueuesResult {
    const used = process.cpuUsage(this.#cpu);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      messages: sorted.length,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.at(-1) ?? Number.NaN,
      cpuMs: (used.user + used.system) / 1000,
    };
  }
}

/** Starts every consumer; resolves once all consume, with a function that closes them. */
async function start(recorder: Recorder): Promise<() => Promise<void>> {
  if (task.kind === 'baseline') {
    const connection = await amqpConnect(BROKER_URL, { noDelay: true });
    for (const queue of task.queues) {
      const channel: Channel = await connection.createChannel();
      await channel.prefetch(task.prefetch);
      await channel.consume(queue.work, (message) => {
        if (message === null) return;
        JSON.parse(message.content.toString('utf8'));
        channel.ack(message);
        recorder.record(message.properties.headers?.[SENT_AT_HEADER]);
      });
    }
    return () => Promise.race([connection.close(), sleep(CLOSE_TIMEOUT_MS)]).then(() => undefined);
  }
  const client = connect({ broker: BROKER_URL, namespace: BENCH_NAMESPACE, recycleInterval: 0 });
  const completed = new QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted();
  const runners = task.queues.map((queue) =>
    client.handle(
      {
        queueName: queue.name,
        queueType: 'classic',
        bindings: [taskRouteBinding(completed, queue.route)],
        prefetch: task.prefetch,
        concurrency: task.concurrency,
      },
      // A no-op handler as users write them: async, so its promise is awaited.
      async (message) => recorder.record(message.properties.headers?.[SENT_AT_HEADER]),
    ),
  );
  await Promise.all(runners.map((runner) => runner.ready));
  return () => Promise.race([client.close(), sleep(CLOSE_TIMEOUT_MS)]).then(() => undefined);
}

async function run(): Promise<ManyQueuesResult> {
  const recorder = new Recorder();
  const close = await start(recorder);
  const stop = stopRequested();
  await reportReady();
  await stop;
  const result = recorder.result();
  await close();
  return result;
}

void runAsWorker<ManyQueuesResult>(run);

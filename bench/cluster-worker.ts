/**
 * One consumer process of the cluster benchmark, connected to one node of a RabbitMQ cluster:
 * the baseline (plain amqplib: JSON.parse and ack) or ours (`handle()` with a no-op handler),
 * competing with the other processes for one quorum queue. It reports how many it handled every
 * {@link PROGRESS_INTERVAL_MS}, and when stopped, the epoch times of its first and last message
 * and its CPU time from the first message on.
 */

import { connect as amqpConnect } from 'amqplib';
import { connect } from '../src/index.js';
import { BENCH_NAMESPACE } from './broker.js';
import { benchEvents } from './messages.js';
import {
  reportProgress,
  reportReady,
  runAsWorker,
  stopRequested,
  workerTask,
} from './worker-ipc.js';

/** The task of a cluster worker. */
export interface ClusterTask {
  kind: 'baseline' | 'handle';
  /** The node this process connects to. */
  url: string;
  /** `queue/<namespace>/<name>`, consumed by the baseline. */
  work: string;
  /** The `<name>` our consumer is given. */
  name: string;
  exchangePrefix: string;
  prefetch: number;
  concurrency: number;
}

/** What one process did. */
export interface ClusterResult {
  handled: number;
  /** Epoch milliseconds of its first and last handled message (NaN when it handled none). */
  firstAt: number;
  lastAt: number;
  cpuMs: number;
}

const PROGRESS_INTERVAL_MS = 50;
const task = workerTask<ClusterTask>();
const nowEpoch = () => performance.timeOrigin + performance.now();

async function run(): Promise<ClusterResult> {
  let handled = 0;
  let firstAt = Number.NaN;
  let lastAt = Number.NaN;
  // From the first message on: set-up (declarations, bindings) is not per-message work.
  let cpuStart = process.cpuUsage();
  const onMessage = () => {
    const now = nowEpoch();
    if (handled++ === 0) {
      firstAt = now;
      cpuStart = process.cpuUsage();
    }
    lastAt = now;
  };
  let close: () => Promise<void>;
  if (task.kind === 'baseline') {
    const connection = await amqpConnect(task.url, { noDelay: true });
    const channel = await connection.createChannel();
    await channel.prefetch(task.prefetch);
    await channel.consume(task.work, (message) => {
      if (message === null) return;
      JSON.parse(message.content.toString('utf8'));
      channel.ack(message);
      onMessage();
    });
    close = () => connection.close();
  } else {
    const pulse = connect({ broker: task.url, namespace: BENCH_NAMESPACE, recycleInterval: 0 });
    const runner = pulse.handle(
      {
        queueName: task.name,
        bindings: [benchEvents(task.exchangePrefix).taskCompleted()],
        prefetch: task.prefetch,
        concurrency: task.concurrency,
      },
      async () => onMessage(),
    );
    await runner.ready;
    close = () => pulse.close();
  }
  const timer = setInterval(() => void reportProgress(handled), PROGRESS_INTERVAL_MS);
  const stop = stopRequested();
  await reportReady();
  await stop;
  clearInterval(timer);
  const cpu = process.cpuUsage(cpuStart);
  await close();
  return { handled, firstAt, lastAt, cpuMs: (cpu.user + cpu.system) / 1000 };
}

void runAsWorker(run);

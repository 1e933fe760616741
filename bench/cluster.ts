/**
 * 7. Consumers on a cluster: a three-node RabbitMQ cluster in containers (the test cluster of
 * `taskcluster-pulse/testing`), one quorum work queue pre-filled with `task-completed`
 * messages, drained by 1, 2 and 3 consumer processes, each connected to its own node: the plain
 * amqplib baseline against `handle()` in the same topology. Trials alternate baseline and ours,
 * each on a fresh queue; the rate is the backlog over the time from the first delivery in any
 * process to the last.
 */

import { queueNames } from '../src/consumer/names.js';
import { workQueueArguments } from '../src/consumer/queues.js';
import { startTestCluster } from '../src/testing/test-cluster.js';
import {
  BENCH_NAMESPACE,
  cleanUp,
  closeBenchBroker,
  openBenchBroker,
  prefill,
  trialQueues,
} from './broker.js';
import { startWorker } from './child.js';
import type { ClusterResult, ClusterTask } from './cluster-worker.js';
import type { BenchSizes } from './config.js';
import { progress, rate } from './log.js';
import type { BenchMessage } from './messages.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const CLUSTER_WORKER = new URL('./cluster-worker.js', import.meta.url);
/** Consumer processes per trial. */
export const CLUSTER_PROCESSES = [1, 2, 3] as const;
/** Prefetch and handler concurrency of each process. */
const PREFETCH = 100;
const CONCURRENCY = 32;
/** How often the parent sums the processes' progress, in milliseconds. */
const POLL_MS = 25;
/** A trial fails after this long without reaching the backlog. */
const TRIAL_TIMEOUT_MS = 300_000;

type Kind = ClusterTask['kind'];

/** Runs the benchmark. */
export async function clusterThroughput(
  sizes: BenchSizes,
  pool: readonly BenchMessage[],
): Promise<ResultRow[]> {
  progress('cluster: starting a 3-node RabbitMQ cluster in containers');
  const cluster = await startTestCluster({ nodes: 3 });
  const broker = await openBenchBroker(cluster.urls[0]);
  const rows: ResultRow[] = [];
  try {
    const { connection, channel, exchangePrefix, binding } = broker;
    await channel.assertExchange(binding.exchange, 'topic', { durable: false });
    for (const processes of CLUSTER_PROCESSES) {
      const rates: Record<Kind, number[]> = { baseline: [], handle: [] };
      const cpu: Record<Kind, number[]> = { baseline: [], handle: [] };
      for (let round = 0; round < sizes.clusterRounds; round++) {
        const kinds: Kind[] = round % 2 === 0 ? ['baseline', 'handle'] : ['handle', 'baseline'];
        for (const kind of kinds) {
          const queues = trialQueues('cluster');
          try {
            // Declared as handle() declares it, so both consume one and the same quorum queue.
            const names = queueNames(BENCH_NAMESPACE, queues.name);
            await channel.assertQueue(queues.work, {
              durable: true,
              arguments: workQueueArguments(names, {}),
            });
            await channel.bindQueue(queues.work, binding.exchange, binding.routingKeyPattern);
            await prefill(channel, binding.exchange, queues.work, pool, sizes.clusterMessages);
            const tasks = Array.from({ length: processes }, (_, i) => ({
              kind,
              url: cluster.urls[i % cluster.urls.length]!,
              work: queues.work,
              name: queues.name,
              exchangePrefix,
              prefetch: PREFETCH,
              concurrency: CONCURRENCY,
            }));
            const results = await drain(tasks, sizes.clusterMessages);
            const first = Math.min(...results.map((r) => r.firstAt).filter(Number.isFinite));
            const last = Math.max(...results.map((r) => r.lastAt).filter(Number.isFinite));
            const handled = results.reduce((sum, r) => sum + r.handled, 0);
            const cpuMs = results.reduce((sum, r) => sum + r.cpuMs, 0);
            rates[kind].push((handled / (last - first)) * 1000);
            cpu[kind].push((cpuMs * 1000) / handled);
            progress(
              `cluster ${processes} process(es) ${kind}: ${rate(handled, last - first)}, ${((cpuMs * 1000) / handled).toFixed(1)} us CPU/msg, split ${results.map((r) => r.handled).join('/')}`,
            );
          } finally {
            await cleanUp(connection, queues.all, []);
          }
        }
      }
      rows.push({
        figure: `cluster: handle() x ${processes} process(es), 3 nodes, quorum`,
        unit: 'msg/s',
        ours: median(rates.handle),
        baseline: median(rates.baseline),
        goal: { op: '>=', ratio: 0.9 },
      });
      rows.push({
        figure: `cluster: consumer CPU per message, ${processes} process(es)`,
        unit: 'us',
        ours: median(cpu.handle),
        baseline: median(cpu.baseline),
      });
    }
  } finally {
    await closeBenchBroker(broker).catch(() => undefined);
    await cluster.stop();
  }
  return rows;
}

/** Starts one worker per task, waits until they handled `count` in all, stops them. */
async function drain(tasks: readonly ClusterTask[], count: number): Promise<ClusterResult[]> {
  const workers = tasks.map((task) => startWorker<ClusterResult>(CLUSTER_WORKER, task));
  try {
    await Promise.all(workers.map((worker) => worker.ready));
    const deadline = performance.now() + TRIAL_TIMEOUT_MS;
    const done = () => workers.reduce((sum, worker) => sum + worker.done, 0);
    while (done() < count) {
      if (performance.now() > deadline) {
        throw new Error(`cluster trial: ${done()} of ${count} messages in ${TRIAL_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    for (const worker of workers) worker.stop();
  }
  return Promise.all(workers.map((worker) => worker.result));
}

/**
 * One step of the bindings benchmark in its own process, timed from after the connection is up:
 * ours starts a `handle()` runner on a durable queue with the bindings and waits until it
 * consumes (the queues declared, the manifest read and written, the bindings reconciled); the
 * raw amqplib baselines bind (or unbind) the same bindings on a queue declared beforehand, on
 * one channel or on several, every operation issued at once.
 */

import { connect as amqpConnect, type Channel } from 'amqplib';
import { connect } from '../src/index.js';
import { BENCH_NAMESPACE, BROKER_URL } from './broker.js';
import { runAsWorker, workerTask } from './worker-ipc.js';

/** Who binds: ours, or raw amqplib on one channel or on several. */
export type BindingsKind = 'ours' | 'one-channel' | 'channels';

/**
 * `bind`: every binding, to a queue without any (ours: a first start); `restart`: ours again
 * with the same bindings; `drop`: ours with the first half, raw amqplib unbinding the rest.
 */
export type BindingsStep = 'bind' | 'restart' | 'drop';

/** The task of a bindings worker. */
export interface BindingsTask {
  kind: BindingsKind;
  step: BindingsStep;
  /** The `<name>` our consumer is given. */
  name: string;
  /** `queue/<namespace>/<name>`, bound by the baselines. */
  work: string;
  exchange: string;
  /** Bindings: task routes `route.index.bench-<tag>.v2.branch-<i>.latest.#` on `exchange`. */
  count: number;
  /** Keeps the routes of one run apart from another's. */
  tag: string;
  /** Channels of the `channels` baseline. */
  channels: number;
}

/** What a step took. */
export interface BindingsResult {
  ms: number;
  /** CPU time of this process during the step, in milliseconds. */
  cpuMs: number;
}

const task = workerTask<BindingsTask>();
/** Task routes as a bot indexing one branch each would bind them (made here: too many for argv). */
const routes = Array.from(
  { length: task.count },
  (_, i) => `route.index.bench-${task.tag}.v2.branch-${i}.latest.#`,
);

async function timed(work: () => Promise<void>): Promise<BindingsResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

async function ours(): Promise<BindingsResult> {
  const client = connect({ broker: BROKER_URL, namespace: BENCH_NAMESPACE, recycleInterval: 0 });
  await client.connected();
  const kept = task.step === 'drop' ? routes.slice(0, routes.length / 2) : routes;
  const bindings = kept.map((routingKeyPattern) => ({
    exchange: task.exchange,
    routingKeyPattern,
  }));
  const result = await timed(async () => {
    const runner = client.handle({ queueName: task.name, bindings }, async () => undefined);
    await runner.ready;
  });
  await client.close();
  return result;
}

async function raw(): Promise<BindingsResult> {
  const connection = await amqpConnect(BROKER_URL, { noDelay: true });
  const count = task.kind === 'channels' ? task.channels : 1;
  const channels: Channel[] = [];
  for (let i = 0; i < count; i++) channels.push(await connection.createChannel());
  const touched = task.step === 'drop' ? routes.slice(routes.length / 2) : routes;
  const result = await timed(async () => {
    await Promise.all(
      touched.map((route, i) => {
        const channel = channels[i % count]!;
        return task.step === 'drop'
          ? channel.unbindQueue(task.work, task.exchange, route)
          : channel.bindQueue(task.work, task.exchange, route);
      }),
    );
  });
  await connection.close();
  return result;
}

void runAsWorker<BindingsResult>(() => (task.kind === 'ours' ? ours() : raw()));

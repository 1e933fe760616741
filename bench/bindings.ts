/**
 * 7. Bindings by the thousand: a durable queue with 100, 1,000 and 10,000 task-route bindings.
 * Ours: a first start (every binding made), a restart with the same bindings, and a start with
 * half of them (the rest dropped), each the time from `handle()` to consuming. The baseline is
 * the fastest raw amqplib way measured in the same run: every bind (or unbind) issued at once,
 * on one channel or spread over several; amqplib sends one operation per channel at a time.
 * Each step runs in a fresh process, on a fresh queue per round; the medians are reported.
 */

import { randomBytes } from 'node:crypto';
import type {
  BindingsKind,
  BindingsResult,
  BindingsStep,
  BindingsTask,
} from './bindings-worker.js';
import { cleanUp, openBenchBroker, trialQueues } from './broker.js';
import { runWorker } from './child.js';
import { progress } from './log.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const WORKER = new URL('./bindings-worker.js', import.meta.url);

/** The sizes of one run of this section. */
interface BindingsSizes {
  /** Bindings of the queue, one measurement each. */
  counts: readonly number[];
  /** Rounds of (ours, baselines) per count; the order flips each round. */
  rounds: number;
}

/** The sizes, and the CI smoke run's. */
const SIZES: Record<'full' | 'quick', BindingsSizes> = {
  full: { counts: [100, 1_000, 10_000], rounds: 3 },
  quick: { counts: [100, 1_000], rounds: 1 },
};

/** Channels of the many-channel baseline: as many as ours opens at most (`BINDING_CHANNELS`). */
const RAW_CHANNELS = 16;

/** The count the goal is set at. */
const GOAL_COUNT = 10_000;

const RAW_KINDS: readonly BindingsKind[] = ['one-channel', 'channels'];

/** How many bindings a measurement makes, and the tag that keeps its routes apart. */
type RunBindings = Pick<BindingsTask, 'count' | 'tag'>;

/** Milliseconds of each step, by `<count> <kind> <step>`. */
type Times = Map<string, number[]>;

function record(times: Times, label: string, result: BindingsResult, count: number): void {
  times.set(label, [...(times.get(label) ?? []), result.ms]);
  progress(
    `bindings ${label}: ${result.ms.toFixed(0)} ms (${((result.ms * 1000) / count).toFixed(0)} us and ${((result.cpuMs * 1000) / count).toFixed(1)} us of CPU per binding)`,
  );
}

/** Runs `steps` of `kind` in turn on one queue, each in a fresh worker, recording each. */
async function runSteps(
  kind: BindingsTask['kind'],
  steps: readonly BindingsStep[],
  queues: { name: string; work: string },
  exchange: string,
  run: RunBindings,
  times: Times,
): Promise<void> {
  for (const step of steps) {
    const task: BindingsTask = {
      kind,
      step,
      name: queues.name,
      work: queues.work,
      exchange,
      ...run,
      channels: RAW_CHANNELS,
    };
    const count = step === 'drop' ? run.count / 2 : run.count;
    record(
      times,
      `${run.count} ${kind} ${step}`,
      await runWorker<BindingsResult>(WORKER, task),
      count,
    );
  }
}

/** Ours on a fresh queue: a first start, a restart unchanged, a start with half. */
async function oursRound(exchange: string, run: RunBindings, times: Times): Promise<string[]> {
  const queues = trialQueues('bindings');
  await runSteps('ours', ['bind', 'restart', 'drop'], queues, exchange, run, times);
  return queues.all;
}

/** A raw amqplib baseline on a fresh queue: bind every route, then unbind half. */
async function rawRound(
  kind: BindingsKind,
  exchange: string,
  run: RunBindings,
  times: Times,
  declare: (queue: string) => Promise<void>,
): Promise<string[]> {
  const queues = trialQueues('bindings-raw');
  await declare(queues.work);
  await runSteps(kind, ['bind', 'drop'], queues, exchange, run, times);
  return queues.all;
}

/** The fastest baseline's median for a step, and which it was. */
function fastest(times: Times, count: number, step: 'bind' | 'drop'): [number, BindingsKind] {
  const medians = RAW_KINDS.map((kind) => [
    median(times.get(`${count} ${kind} ${step}`) ?? []),
    kind,
  ]);
  return medians.reduce((best, next) => (next[0]! < best[0]! ? next : best)) as [
    number,
    BindingsKind,
  ];
}

/** Runs the benchmark. */
export async function bindings(quick: boolean): Promise<ResultRow[]> {
  const sizes = SIZES[quick ? 'quick' : 'full'];
  const broker = await openBenchBroker();
  const { connection, channel, binding } = broker;
  const exchange = binding.exchange;
  // Durable, as Pulse's exchanges are: a durable queue's bindings to it are kept on disk.
  await channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
  // The baselines bind a queue of the type ours declares by default (quorum).
  const declare = async (queue: string) => {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  };
  const times: Times = new Map();
  const made: string[] = [];
  try {
    for (const count of sizes.counts) {
      const run: RunBindings = { count, tag: randomBytes(3).toString('hex') };
      for (let round = 0; round < sizes.rounds; round++) {
        const order: BindingsKind[] =
          round % 2 === 0 ? ['ours', ...RAW_KINDS] : [...RAW_KINDS, 'ours'];
        for (const kind of order) {
          const queues =
            kind === 'ours'
              ? await oursRound(exchange, run, times)
              : await rawRound(kind, exchange, run, times, declare);
          made.push(...queues);
          await cleanUp(connection, queues, []);
        }
      }
    }
  } finally {
    await cleanUp(connection, made, [exchange]);
    await connection.close();
  }
  return sizes.counts.flatMap((count): ResultRow[] => {
    const n = count.toLocaleString('en-US');
    const goal = count === GOAL_COUNT ? { goal: { op: '<=' as const, ratio: 1.2 } } : {};
    const [bind, bindKind] = fastest(times, count, 'bind');
    const [drop, dropKind] = fastest(times, count, 'drop');
    return [
      {
        figure: `bindings: first start, ${n} (raw: ${describeKind(bindKind)})`,
        unit: 'ms',
        ours: median(times.get(`${count} ours bind`) ?? []),
        baseline: bind,
        ...goal,
      },
      {
        figure: `bindings: restart unchanged, ${n}`,
        unit: 'ms',
        ours: median(times.get(`${count} ours restart`) ?? []),
        goalText: 'no cost per binding',
      },
      {
        figure: `bindings: drop half of ${n} (raw: ${describeKind(dropKind)})`,
        unit: 'ms',
        ours: median(times.get(`${count} ours drop`) ?? []),
        baseline: drop,
        ...goal,
      },
    ];
  });
}

function describeKind(kind: BindingsKind): string {
  return kind === 'channels' ? `${RAW_CHANNELS} channels` : 'one channel';
}

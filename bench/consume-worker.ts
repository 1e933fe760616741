/**
 * One consumer in its own process: the baseline (plain amqplib: JSON.parse and ack), a peer
 * library (`peers.ts`) or ours (`consume()` with manual ack, or `handle()` with a handler), in
 * one of two modes:
 * `throughput` drains a pre-filled queue and times it from the first delivery to the last ack;
 * `latency` records publish-to-handler latency until stopped. (The memory benchmark has a
 * worker of its own, `memory-worker.ts`, that loads none of the peers.)
 */

import { connect as amqpConnect, type Channel, type ConsumeMessage } from 'amqplib';
import { connect, type MessageOf, type PulseClient, QueueEvents } from '../src/index.js';
import { BENCH_NAMESPACE, BROKER_URL, SENT_AT_HEADER } from './broker.js';
import { startPeer } from './peer-consumers.js';
import type { PeerKind } from './peers.js';
import { percentile } from './stats.js';
import { reportReady, runAsWorker, stopRequested, workerTask } from './worker-ipc.js';

/** Which consumer runs: a peer's (`baseline` is raw amqplib acking each message) or ours. */
export type ConsumerKind = PeerKind | 'observable' | 'handle';

/** The task of a consume worker. */
export interface ConsumeTask {
  mode: 'throughput' | 'latency';
  kind: ConsumerKind;
  /** `queue/<namespace>/<name>`, consumed by the baseline. */
  work: string;
  /** The `<name>` our consumer is given. */
  name: string;
  exchangePrefix: string;
  prefetch: number;
  /** Handlers at once (`handle()` only). */
  concurrency: number;
  /** Messages to drain (`throughput` only). */
  count: number;
  /** Messages left out of the latencies at the start: the warm-up (`latency` only). */
  warmup: number;
}

/** What a throughput trial measured. */
export interface ThroughputResult {
  messages: number;
  ms: number;
  /** CPU time of this process during the timed window, in milliseconds. */
  cpuMs: number;
  /** Of which in the kernel (socket reads and writes), in milliseconds. */
  systemMs: number;
}

/** What a latency trial measured, in milliseconds. */
export interface LatencyResult {
  messages: number;
  p50: number;
  p99: number;
  max: number;
}

/** Everything a consumer calls per message; the mode decides what it does. */
interface Sink {
  /** Called in the handler with the publisher's timestamp header (latency mode). */
  onMessage(sentAt: unknown): void;
}

const CLOSE_TIMEOUT_MS = 5_000;
/** A throughput trial fails after max(this, count x {@link DRAIN_MS_PER_MESSAGE}) ms. */
const MIN_DRAIN_TIMEOUT_MS = 60_000;
/** 2 ms per message: 500 messages/s, far below any consumer's rate. */
const DRAIN_MS_PER_MESSAGE = 2;
const task = workerTask<ConsumeTask>();
const nowEpoch = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Completed = MessageOf<ReturnType<InstanceType<typeof QueueEvents>['taskCompleted']>>;

/** Starts the consumer and resolves once it consumes, with a function that closes it. */
async function startConsumer(sink: Sink): Promise<() => Promise<void>> {
  if (task.kind === 'baseline') return startBaseline(sink);
  if (task.kind !== 'observable' && task.kind !== 'handle') {
    const close = await startPeer(task.kind, {
      queue: task.work,
      prefetch: task.prefetch,
      onMessage: (_payload, sentAt) => sink.onMessage(sentAt),
    });
    return () => Promise.race([close(), sleep(CLOSE_TIMEOUT_MS)]).then(() => undefined);
  }
  const client = connect({ broker: BROKER_URL, namespace: BENCH_NAMESPACE, recycleInterval: 0 });
  const consuming = new Promise<void>((resolve) => {
    client.status$.subscribe((status) => {
      if (status.type === 'consuming') resolve();
    });
  });
  const binding = new QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted();
  const queue = { queueName: task.name, queueType: 'classic' as const, bindings: [binding] };
  if (task.kind === 'observable') {
    const subscription = client.consume({ ...queue, prefetch: task.prefetch }).subscribe({
      next: (message) => settle(message, sink),
    });
    await consuming;
    return () => closeClient(client, () => subscription.unsubscribe());
  }
  client.handle(
    { ...queue, prefetch: task.prefetch, concurrency: task.concurrency },
    // A no-op handler as users write them: async, so its promise is awaited.
    async (message) => sink.onMessage(message.properties.headers?.[SENT_AT_HEADER]),
  );
  await consuming;
  return () => closeClient(client);
}

function settle(message: Completed, sink: Sink): void {
  message.ack();
  sink.onMessage(message.properties.headers?.[SENT_AT_HEADER]);
}

async function closeClient(client: PulseClient, before?: () => void): Promise<void> {
  before?.();
  await Promise.race([client.close(), sleep(CLOSE_TIMEOUT_MS)]);
}

async function startBaseline(sink: Sink): Promise<() => Promise<void>> {
  const connection = await amqpConnect(BROKER_URL);
  const channel: Channel = await connection.createChannel();
  await channel.prefetch(task.prefetch);
  let closing = false;
  await channel.consume(task.work, (message: ConsumeMessage | null) => {
    // A delivery may still arrive after close() began: amqplib throws on an ack then, and the
    // broker requeues the message anyway.
    if (message === null || closing) return;
    JSON.parse(message.content.toString('utf8'));
    channel.ack(message);
    sink.onMessage(message.properties.headers?.[SENT_AT_HEADER]);
  });
  return async () => {
    closing = true;
    await Promise.race([connection.close(), sleep(CLOSE_TIMEOUT_MS)]);
  };
}

async function throughput(): Promise<ThroughputResult> {
  let seen = 0;
  let started = 0;
  let cpuStart = process.cpuUsage();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const close = await startConsumer({
    onMessage() {
      if (seen++ === 0) {
        started = performance.now();
        cpuStart = process.cpuUsage();
      }
      if (seen === task.count) finish();
    },
  });
  // Bounded: a consumer that loses messages fails the run instead of waiting forever.
  const limit = Math.max(MIN_DRAIN_TIMEOUT_MS, task.count * DRAIN_MS_PER_MESSAGE);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    finished,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`only ${seen} of ${task.count} messages in ${limit} ms`)),
        limit,
      );
    }),
  ]);
  clearTimeout(timer);
  // `handle()` acks when the handler's promise settles: wait for that last ack to be sent.
  await new Promise((resolve) => setImmediate(resolve));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  await close();
  return { messages: seen, ms, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000 };
}

async function latency(): Promise<LatencyResult> {
  const latencies: number[] = [];
  let warmup = task.warmup;
  const close = await startConsumer({
    onMessage(sentAt) {
      if (warmup > 0) warmup--;
      else if (typeof sentAt === 'number') latencies.push(nowEpoch() - sentAt);
    },
  });
  const stop = stopRequested();
  await reportReady();
  await stop;
  await close();
  latencies.sort((a, b) => a - b);
  return {
    messages: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

void runAsWorker<ThroughputResult | LatencyResult>(() =>
  task.mode === 'throughput' ? throughput() : latency(),
);

/**
 * One consumer of the memory benchmark in its own process, loading only what its program would:
 * raw amqplib, or the package by name (its built bundle, as a bot imports it). It runs a slow
 * handler on a backlog until stopped while the parent samples its RSS. The consume worker
 * (`consume-worker.ts`) is not used here: it imports every peer library and the test support,
 * which would count in every side's RSS.
 */

import { reportReady, runAsWorker, stopRequested, workerTask } from './worker-ipc.js';

/**
 * `raw`: amqplib, the payload parsed when the handler's time is up, then acked (the least a
 * consumer holds); `raw-held`: amqplib, parsed on delivery and held while the handler waits,
 * then acked (what a handler that reads its message holds, as ours does); `consume`: our
 * `consume()`, acked after the delay; `handle`: our `handle()` with an async handler.
 */
export type MemoryKind = 'raw' | 'raw-held' | 'consume' | 'handle';

/** The task of a memory worker. */
export interface MemoryTask {
  kind: MemoryKind;
  brokerUrl: string;
  namespace: string;
  /** The full work queue name (`queue/<namespace>/<name>`), which the raw consumers consume. */
  work: string;
  /** The `<name>` our consumers are given. */
  name: string;
  exchangePrefix: string;
  prefetch: number;
  /** Handlers at once (`handle()`). */
  concurrency: number;
  /** Milliseconds each message's handler takes. */
  slowMs: number;
}

/** What a memory trial did. */
export interface MemoryResult {
  handled: number;
}

/** The package by name; a variable, so that type-checking the bench needs no build. */
const PACKAGE: string = 'taskcluster-pulse';
const CLOSE_TIMEOUT_MS = 5_000;
const task = workerTask<MemoryTask>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let handled = 0;

/** Starts the consumer and resolves once it consumes, with a function that closes it. */
async function start(): Promise<() => Promise<unknown>> {
  if (task.kind === 'raw' || task.kind === 'raw-held') return startRaw(task.kind === 'raw-held');
  const tc = (await import(PACKAGE)) as typeof import('../src/index.js');
  const client = tc.connect({
    broker: task.brokerUrl,
    namespace: task.namespace,
    recycleInterval: 0,
  });
  const binding = new tc.QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted();
  const queue = {
    queueName: task.name,
    queueType: 'classic' as const,
    bindings: [binding],
    prefetch: task.prefetch,
  };
  const close = () => Promise.race([client.close(), sleep(CLOSE_TIMEOUT_MS)]);
  if (task.kind === 'consume') {
    const consuming = new Promise<void>((resolve) => {
      client.status$.subscribe((status) => {
        if (status.type === 'consuming') resolve();
      });
    });
    const subscription = client.consume(queue).subscribe((message) => {
      setTimeout(() => {
        message.ack();
        handled++;
      }, task.slowMs);
    });
    await consuming;
    return () => {
      subscription.unsubscribe();
      return close();
    };
  }
  const runner = client.handle(
    {
      ...queue,
      concurrency: task.concurrency,
      // Never called on: the context's clients are built only when a handler reads one.
      taskcluster: { rootUrl: 'https://tc.example.com' },
    },
    // A bot as users write it: it reads the message, does its work, and calls the Queue only
    // for the messages that need it (none of this backlog's).
    async (message, context) => {
      const { status } = message.payload;
      await sleep(task.slowMs);
      if (status.state !== 'completed') await context.queue.task(status.taskId);
      handled++;
    },
  );
  await runner.ready;
  return close;
}

async function startRaw(held: boolean): Promise<() => Promise<unknown>> {
  const amqplib = await import('amqplib');
  const connection = await amqplib.connect(task.brokerUrl);
  const channel = await connection.createChannel();
  await channel.prefetch(task.prefetch);
  let closing = false;
  await channel.consume(task.work, (message) => {
    if (message === null) return;
    const payload = held ? JSON.parse(message.content.toString('utf8')) : undefined;
    setTimeout(() => {
      // amqplib throws on an ack after close() began; the broker requeues the message anyway.
      if (closing) return;
      const read = payload ?? JSON.parse(message.content.toString('utf8'));
      if (read.status === undefined) throw new Error('a message without a status');
      channel.ack(message);
      handled++;
    }, task.slowMs);
  });
  return () => {
    closing = true;
    return Promise.race([connection.close(), sleep(CLOSE_TIMEOUT_MS)]);
  };
}

void runAsWorker<MemoryResult>(async () => {
  const close = await start();
  const stop = stopRequested();
  await reportReady();
  await stop;
  const result = { handled };
  await close();
  return result;
});

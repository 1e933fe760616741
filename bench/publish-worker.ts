/**
 * One publisher in its own process, publishing the message set with confirms: raw amqplib's
 * confirm channel with a window of outstanding confirms (the baseline), or ours
 * (`PulseClient.publisher().publish()` of each message's payload, routing fields and routes, to
 * the `taskCompleted` exchange method). Both serialize each payload themselves. Timed from the
 * first publish to the last confirm.
 */

import { connect as amqpConnect } from 'amqplib';
import { connect, QueueEvents, routingKeyParser } from '../src/index.js';
import { BENCH_NAMESPACE, BROKER_URL } from './broker.js';
import { messagePool } from './messages.js';
import { runAsWorker, workerTask } from './worker-ipc.js';

/** The task of a publish worker. */
export interface PublishTask {
  kind: 'baseline' | 'ours';
  exchangePrefix: string;
  /** Messages to publish (cycling through the pool). */
  count: number;
  /** Confirms outstanding at once (both sides). */
  window: number;
}

/** What a publish trial measured. */
export interface PublishResult {
  messages: number;
  ms: number;
  /** CPU time of this process during the timed window, in milliseconds. */
  cpuMs: number;
}

const task = workerTask<PublishTask>();

/** One message as a publisher is given it: a payload object, its routing fields and routes. */
interface Outgoing {
  routingKey: string;
  routing: Record<string, string | undefined>;
  routes: string[];
  cc: string[];
  payload: unknown;
}

function outgoing(): Outgoing[] {
  const method = new QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted;
  const parse = routingKeyParser(method.entry.routingKey);
  return messagePool().map((message) => ({
    routingKey: message.routingKey,
    routing: parse(message.routingKey),
    routes: message.cc.map((cc) => cc.slice('route.'.length)),
    cc: message.cc,
    payload: JSON.parse(message.content.toString('utf8')),
  }));
}

async function timed(body: () => Promise<void>): Promise<PublishResult> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await body();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { messages: task.count, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function baseline(messages: readonly Outgoing[]): Promise<PublishResult> {
  const connection = await amqpConnect(BROKER_URL, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  const exchange = new QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted.exchange;
  const result = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        let sent = 0;
        let confirmed = 0;
        const fill = () => {
          while (sent < task.count && sent - confirmed < task.window) {
            const message = messages[sent++ % messages.length]!;
            const content = Buffer.from(JSON.stringify(message.payload));
            channel.publish(
              exchange,
              message.routingKey,
              content,
              { contentType: 'application/json', persistent: true, CC: message.cc },
              onConfirm,
            );
          }
        };
        const onConfirm = (error: unknown) => {
          if (error) reject(error);
          else if (++confirmed === task.count) resolve();
          else fill();
        };
        fill();
      }),
  );
  await connection.close();
  return result;
}

async function ours(messages: readonly Outgoing[]): Promise<PublishResult> {
  const client = connect({ broker: BROKER_URL, namespace: BENCH_NAMESPACE, recycleInterval: 0 });
  const method = new QueueEvents({ exchangePrefix: task.exchangePrefix }).taskCompleted;
  const publisher = client.publisher({ window: task.window });
  await client.connected();
  const result = await timed(async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < task.count; i++) {
      const message = messages[i % messages.length]!;
      pending.push(
        publisher.publish(method, {
          payload: message.payload as never,
          routing: message.routing as never,
          routes: message.routes,
        }),
      );
    }
    await Promise.all(pending);
  });
  await client.close();
  return result;
}

void runAsWorker<PublishResult>(async () => {
  const messages = outgoing();
  return task.kind === 'baseline' ? baseline(messages) : ours(messages);
});

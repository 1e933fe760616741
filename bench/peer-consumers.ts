/**
 * The peers' consumers (see `peers.ts`), in the consume worker: each consumes the trial's queue
 * (declared by the parent; the libraries that declare check it passively) with the prefetch, reads
 * the parsed payload and the publisher's timestamp header, and acks. Each resolves once
 * consuming, with a function that closes it.
 */

import { AMQPSession, builtinParsers } from '@cloudamqp/amqp-client';
import { connect as amqpConnect, type ConsumeMessage } from 'amqplib';
import { Connection } from 'rabbitmq-client';
import rascal from 'rascal';
import { BROKER_URL, SENT_AT_HEADER } from './broker.js';
import type { PeerKind } from './peers.js';

/** What a peer consumes, and what it calls per message. */
export interface PeerTask {
  /** The full queue name. */
  queue: string;
  prefetch: number;
  /** Called with the parsed payload and the timestamp header of each message. */
  onMessage(payload: unknown, sentAt: unknown): void;
}

type Close = () => Promise<void>;

/** Starts the peer consumer `kind` (raw amqplib acking each message is the worker's own). */
export function startPeer(kind: Exclude<PeerKind, 'baseline'>, task: PeerTask): Promise<Close> {
  switch (kind) {
    case 'amqplib-coalesced':
      return coalescedAmqplib(task);
    case 'rascal':
      return rascalConsumer(task);
    case 'cloudamqp':
      return cloudamqpConsumer(task);
    case 'rabbitmq-client':
      return rabbitmqClientConsumer(task);
  }
}

async function coalescedAmqplib(task: PeerTask): Promise<Close> {
  const connection = await amqpConnect(BROKER_URL);
  const channel = await connection.createChannel();
  await channel.prefetch(task.prefetch);
  let last: ConsumeMessage | undefined;
  // One ack for everything delivered up to the last message of this turn of the event loop.
  const flush = () => {
    if (last !== undefined) channel.ack(last, true);
    last = undefined;
  };
  await channel.consume(task.queue, (message) => {
    if (message === null) return;
    task.onMessage(
      JSON.parse(message.content.toString('utf8')),
      message.properties.headers?.[SENT_AT_HEADER],
    );
    if (last === undefined) setImmediate(flush);
    last = message;
  });
  return () => connection.close();
}

async function rascalConsumer(task: PeerTask): Promise<Close> {
  const config = rascal.withDefaultConfig({
    vhosts: {
      '/': {
        connection: { url: BROKER_URL },
        queues: { [task.queue]: { assert: false, check: true } },
        subscriptions: { bench: { queue: task.queue, prefetch: task.prefetch } },
      },
    },
  });
  const broker = await rascal.BrokerAsPromised.create(config);
  broker.on('error', (error) => process.stderr.write(`rascal: ${error.message}\n`));
  const subscription = await broker.subscribe('bench');
  await new Promise<void>((resolve, reject) => {
    subscription
      .on('message', (message, content, ackOrNack) => {
        task.onMessage(content, message.properties.headers?.[SENT_AT_HEADER]);
        ackOrNack();
      })
      .on('subscribed', resolve)
      .on('error', reject);
  });
  return () => broker.shutdown();
}

async function cloudamqpConsumer(task: PeerTask): Promise<Close> {
  const session = await AMQPSession.connect(BROKER_URL, { parsers: builtinParsers });
  const queue = await session.queue(task.queue, { passive: true });
  // Async callbacks, as the README writes them (and as our handle() benchmark does).
  await queue.subscribe({ prefetch: task.prefetch }, async (message) => {
    task.onMessage(message.body, message.properties.headers?.[SENT_AT_HEADER]);
  });
  return () => session.stop();
}

async function rabbitmqClientConsumer(task: PeerTask): Promise<Close> {
  const rabbit = new Connection(BROKER_URL);
  rabbit.on('error', (error) => process.stderr.write(`rabbitmq-client: ${String(error)}\n`));
  const consumer = rabbit.createConsumer(
    {
      queue: task.queue,
      queueOptions: { passive: true },
      qos: { prefetchCount: task.prefetch },
    },
    async (message) => {
      task.onMessage(message.body, message.headers?.[SENT_AT_HEADER]);
    },
  );
  await new Promise<void>((resolve, reject) => {
    consumer.on('ready', resolve);
    consumer.on('error', reject);
  });
  return async () => {
    await consumer.close();
    await rabbit.close();
  };
}

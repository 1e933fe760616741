/**
 * Test plumbing shared by the conformance cases: unique names, a session that tracks what a
 * test declares and removes it afterwards, consumers that collect deliveries, and waiting for
 * conditions instead of sleeping.
 */

import { randomUUID } from 'node:crypto';
import type {
  BrokerChannel,
  BrokerConfirmChannel,
  BrokerConnection,
  BrokerTransport,
  Delivery,
} from '../../src/broker/transport.js';

const WAIT_TIMEOUT_MS = 15_000;
const WAIT_POLL_MS = 5;

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `conformance-${prefix}-${randomUUID().slice(0, 12)}`;
}

/** Waits until `condition` holds, failing with `what` after a generous timeout. */
export async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

/** Deliveries collected by a consumer. */
export interface Collector {
  readonly messages: Delivery[];
  readonly consumerTag: string;
  /** Whether the broker cancelled the consumer (a `null` delivery). */
  readonly cancelled: boolean;
  /** Waits until at least `count` messages arrived. */
  waitForCount(count: number): Promise<Delivery[]>;
  /** The bodies received, as strings. */
  bodies(): string[];
}

/** A plain or confirm channel: both declare and consume the same way. */
export type AnyChannel = BrokerChannel | BrokerConfirmChannel;

/** Errors a channel reported through its `error` event. */
export type ChannelErrors = Error[];

/** One connection of a test, and everything it declared, removed by `cleanup()`. */
export class Session {
  readonly #transport: BrokerTransport;
  readonly #connections: BrokerConnection[] = [];
  readonly #queues = new Set<string>();
  readonly #exchanges = new Set<string>();
  /** Errors seen by the channels' `error` listeners, in order. */
  readonly channelErrors: ChannelErrors = [];

  constructor(transport: BrokerTransport) {
    this.#transport = transport;
  }

  /** Opens a new connection (closed by cleanup unless closed before). */
  async connection(): Promise<BrokerConnection> {
    const connection = await this.#transport.connect();
    connection.on('error', () => {});
    this.#connections.push(connection);
    return connection;
  }

  /** A channel (on a new connection unless one is given) that records its errors. */
  async channel(connection?: BrokerConnection): Promise<BrokerChannel> {
    const channel = await (connection ?? (await this.connection())).createChannel();
    channel.on('error', (error) => this.channelErrors.push(error));
    return channel;
  }

  /** A confirm channel that records its errors. */
  async confirmChannel(connection?: BrokerConnection): Promise<BrokerConfirmChannel> {
    const channel = await (connection ?? (await this.connection())).createConfirmChannel();
    channel.on('error', (error) => this.channelErrors.push(error));
    return channel;
  }

  /** Remembers a queue to delete at cleanup. */
  queue(name: string): string {
    this.#queues.add(name);
    return name;
  }

  /** Remembers an exchange to delete at cleanup. */
  exchange(name: string): string {
    this.#exchanges.add(name);
    return name;
  }

  /** Declares a topic exchange that is removed at cleanup. */
  async topicExchange(channel: AnyChannel, prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await channel.assertExchange(name, 'topic', { durable: false, autoDelete: false });
    this.#exchanges.add(name);
    return name;
  }

  /** Consumes `queue` into a collector. */
  async collect(
    channel: AnyChannel,
    queue: string,
    onMessage: (message: Delivery) => void = () => {},
    options: { noAck?: boolean } = {},
  ): Promise<Collector> {
    const messages: Delivery[] = [];
    let cancelled = false;
    const { consumerTag } = await channel.consume(
      queue,
      (message) => {
        if (message === null) {
          cancelled = true;
          return;
        }
        messages.push(message);
        onMessage(message);
      },
      options,
    );
    return {
      messages,
      consumerTag,
      get cancelled() {
        return cancelled;
      },
      async waitForCount(count) {
        await waitFor(`${count} messages on ${queue}`, () => messages.length >= count);
        return messages;
      },
      bodies: () => messages.map((message) => message.content.toString()),
    };
  }

  /** Deletes what the test declared and closes its connections. */
  async cleanup(): Promise<void> {
    const connection = await this.#transport.connect();
    connection.on('error', () => {});
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    for (const queue of this.#queues) await channel.deleteQueue(queue);
    // Exchange deletion is outside the transport contract; both brokers implement amqplib's.
    const deleting = channel as BrokerChannel & {
      deleteExchange(name: string): Promise<unknown>;
    };
    for (const exchange of this.#exchanges) await deleting.deleteExchange(exchange);
    await connection.close();
    for (const open of this.#connections) await open.close().catch(() => {});
  }
}

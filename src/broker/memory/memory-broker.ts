/**
 * The in-memory broker: a RabbitMQ stand-in behind the same {@link BrokerTransport} contract, for
 * demos and for users' tests of their handlers. It implements AMQP 0-9-1 as RabbitMQ does for
 * everything the contract exposes, and adds what tests need: inspection (queue depths, unacked
 * counts, bindings, queued messages) and faults (connections closed by the broker, consumers
 * cancelled, resource alarms). Beyond the contract, and so not implemented: message priorities,
 * header-exchange arguments, exchange-to-exchange bindings, streams, `basic.get` and persistence
 * across restarts.
 */

import { ReplyCode } from '../reply-codes.js';
import type { BrokerConnection, BrokerTransport, QueueType } from '../transport.js';
import { Method, refusal } from './amqp-errors.js';
import { BrokerState } from './broker-state.js';
import { MemoryConnection } from './connection.js';
import type { ExchangeType } from './exchange.js';
import type { DecodedProperties } from './message.js';

/** What an operator closing connections tells the clients (RabbitMQ's default reason). */
export const DEFAULT_CLOSE_REASON = 'Closed via management plugin';
/** The reason of a simulated resource alarm. */
export const DEFAULT_BLOCK_REASON = 'low on memory';

/** A queue, as the in-memory broker's inspection shows it. */
export interface MemoryQueueInfo {
  name: string;
  type: QueueType;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
  /** Ready messages (what `checkQueue` reports as `messageCount`). */
  messageCount: number;
  /** Delivered and not yet acknowledged. */
  unackedCount: number;
  consumerCount: number;
}

/** An exchange, as the inspection shows it. */
export interface MemoryExchangeInfo {
  name: string;
  type: ExchangeType;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
}

/** A binding of a queue to an exchange. */
export interface MemoryBindingInfo {
  exchange: string;
  queue: string;
  pattern: string;
}

/** A ready message, in delivery order. */
export interface MemoryQueuedMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: DecodedProperties;
  redelivered: boolean;
}

/** The in-memory broker. */
export interface MemoryBroker {
  /** The transport that connects to this broker (`kind: 'memory'`). */
  transport(): BrokerTransport;
  /** Opens a connection (same as `transport().connect()`). */
  connect(): Promise<BrokerConnection>;
  /** A queue's state, or undefined when it does not exist. */
  queue(name: string): MemoryQueueInfo | undefined;
  /** Every queue. */
  queues(): MemoryQueueInfo[];
  /** Every exchange, the predeclared `amq.*` ones included. */
  exchanges(): MemoryExchangeInfo[];
  /** Every binding, or those of one queue. */
  bindings(queue?: string): MemoryBindingInfo[];
  /** The ready messages of a queue, without consuming them. */
  messages(queue: string): MemoryQueuedMessage[];
  /** How many connections are open. */
  readonly connectionCount: number;
  /** Closes every connection from the broker's side (320 CONNECTION_FORCED); returns how many. */
  closeConnections(reason?: string): number;
  /** Deletes a queue as an operator would: its consumers are cancelled. False if missing. */
  deleteQueue(name: string): boolean;
  /** Cancels every consumer of a queue from the broker's side; returns how many. */
  cancelConsumers(queue: string): number;
  /** Raises a resource alarm: connections get `blocked`, publishers stop being read. */
  block(reason?: string): void;
  /** Clears the alarm: `unblocked`, and held operations proceed. */
  unblock(): void;
  /** Resolves once the broker has nothing left to send (replies, deliveries, events). */
  idle(): Promise<void>;
}

/** The description of the in-memory transport, safe to log. */
export const MEMORY_TRANSPORT_DESCRIPTION = 'in-memory broker';

/** Creates an empty in-memory broker (one virtual host, the `amq.*` exchanges predeclared). */
export function createMemoryBroker(): MemoryBroker {
  const state = new BrokerState();
  const connections = new Set<MemoryConnection>();
  let blocked: string | undefined;
  const registry = {
    get blocked() {
      return blocked;
    },
    disconnected(connection: MemoryConnection) {
      connections.delete(connection);
    },
  };
  const connect = async (): Promise<BrokerConnection> => {
    const connection = new MemoryConnection(state, registry);
    connections.add(connection);
    await new Promise<void>((resolve) => state.scheduler.defer(resolve));
    if (blocked !== undefined) connection.setBlocked(blocked);
    return connection;
  };
  const transport: BrokerTransport = {
    kind: 'memory',
    description: MEMORY_TRANSPORT_DESCRIPTION,
    connect,
  };
  const info = (name: string): MemoryQueueInfo | undefined => {
    const queue = state.queues.get(name);
    if (queue === undefined) return undefined;
    return {
      name: queue.name,
      type: queue.settings.type,
      durable: queue.declaration.durable,
      exclusive: queue.owner !== undefined,
      autoDelete: queue.declaration.autoDelete,
      arguments: { ...queue.declaration.arguments },
      messageCount: queue.ready.size,
      unackedCount: queue.unacked,
      consumerCount: queue.consumers.length,
    };
  };
  const setAlarm = (reason: string | undefined): void => {
    blocked = reason;
    for (const connection of connections) connection.setBlocked(reason);
  };
  return {
    transport: () => transport,
    connect,
    queue: info,
    queues: () => [...state.queues.keys()].map((name) => info(name)!),
    exchanges: () =>
      [...state.exchanges.values()].map((exchange) => ({
        name: exchange.name,
        ...exchange.declaration,
      })),
    bindings: (queue) => {
      const found: MemoryBindingInfo[] = [];
      for (const exchange of state.exchanges.values()) {
        for (const [bound, pattern] of exchange.bindings()) {
          if (queue === undefined || bound.name === queue) {
            found.push({ exchange: exchange.name, queue: bound.name, pattern });
          }
        }
      }
      return found;
    },
    messages: (name) =>
      (state.queues.get(name)?.ready.snapshot() ?? []).map((entry) => ({
        exchange: entry.message.exchange,
        routingKey: entry.message.routingKeys[0] ?? '',
        content: entry.message.content,
        properties: entry.message.properties,
        redelivered: entry.redelivered,
      })),
    get connectionCount() {
      return connections.size;
    },
    closeConnections: (reason = DEFAULT_CLOSE_REASON) => {
      const all = [...connections];
      const forced = refusal(ReplyCode.connectionForced, reason, Method.none);
      for (const connection of all) connection.forceClose(forced);
      return all.length;
    },
    deleteQueue: (name) => {
      const queue = state.queues.get(name);
      if (queue === undefined) return false;
      state.dropQueue(queue);
      return true;
    },
    cancelConsumers: (name) => {
      const queue = state.queues.get(name);
      if (queue === undefined) return 0;
      const consumers = [...queue.consumers];
      for (const consumer of consumers) {
        queue.removeConsumer(consumer);
        consumer.channel.cancelled(consumer);
      }
      return consumers.length;
    },
    block: (reason = DEFAULT_BLOCK_REASON) => setAlarm(reason),
    unblock: () => setAlarm(undefined),
    idle: () => state.scheduler.idle(),
  };
}

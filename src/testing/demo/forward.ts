/**
 * Publishes the simulated queue's Pulse messages to a broker with the project's publisher, so
 * consumers of the in-memory broker or of a real RabbitMQ see what a Taskcluster deployment
 * would publish. Messages are published in the order the queue produced them (one channel,
 * confirms in a window); a failed publish is kept and reported by `flush()`, never dropped.
 */

import type { Publisher } from '../../consumer/publisher.js';
import { ROUTE_PREFIX } from '../../exchanges/routing-key.js';
import { QueueEvents } from '../../index.js';
import type { QueueMessage } from '../pulse-messages.js';
import type { SimulatedQueue } from '../queue.js';

/** Options of {@link forwardQueueMessages}. */
export interface ForwardOptions {
  /**
   * Publish under this prefix instead of `exchange/taskcluster-queue/v1/`, e.g. to keep tests
   * on a shared broker apart.
   */
  exchangePrefix?: string;
}

/** A running forwarder; see {@link forwardQueueMessages}. */
export interface QueueMessageForwarder {
  /** The queue events whose exchanges messages are published to. */
  readonly events: InstanceType<typeof QueueEvents>;
  /** Messages confirmed by the broker so far. */
  readonly published: number;
  /** Resolves once every message so far is confirmed; rejects if one could not be published. */
  flush(): Promise<void>;
  /** Declares every queue exchange (durable topic), as a deployment has them. */
  declareExchanges(): Promise<void>;
  /** Stops forwarding new messages. */
  stop(): void;
}

/** Forwards every message the simulated queue produces from now on to `publisher`. */
export function forwardQueueMessages(
  queue: SimulatedQueue,
  publisher: Publisher,
  options: ForwardOptions = {},
): QueueMessageForwarder {
  const events =
    options.exchangePrefix === undefined
      ? new QueueEvents()
      : new QueueEvents({ exchangePrefix: options.exchangePrefix });
  const entries = new Map(events.table.entries.map((entry) => [entry.name, entry]));
  const pending = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let published = 0;

  const forward = (message: QueueMessage): void => {
    const entry = entries.get(message.type);
    if (entry === undefined) {
      failures.push(new Error(`no queue exchange for message type "${message.type}"`));
      return;
    }
    const exchange = events.exchangePrefix + entry.exchange;
    const publishing = Promise.resolve()
      .then(() =>
        publisher.publish(
          { exchange, routingKey: entry.routingKey },
          {
            payload: message.payload,
            routing: events.byExchange(exchange)!.parse(message.routingKey),
            routes: message.cc.map((cc) => cc.slice(ROUTE_PREFIX.length)),
          },
        ),
      )
      .then(
        () => {
          published++;
        },
        (error: unknown) => {
          failures.push(error);
        },
      )
      .finally(() => pending.delete(publishing));
    pending.add(publishing);
  };
  const unsubscribe = queue.onMessage(forward);

  return {
    events,
    get published() {
      return published;
    },
    async flush() {
      while (pending.size > 0) await Promise.all(pending);
      if (failures.length > 0) {
        throw new AggregateError(failures, `${failures.length} queue message(s) not published`);
      }
    },
    async declareExchanges() {
      for (const entry of events.table.entries) {
        await publisher.declareExchange(events.exchangePrefix + entry.exchange);
      }
    },
    stop: unsubscribe,
  };
}

/**
 * Dead-lettering as RabbitMQ does it: the `x-death` header (one entry per queue and reason,
 * most recent first, counted), the `x-first-death-*` headers, the per-message expiration moved
 * to `original-expiration`, the routing keys replaced by the queue's dead-letter routing key
 * (which also drops the CC header), and the cycle rule that drops a message going round
 * without any rejection on the way.
 */

import { type BrokerMessage, CC_HEADER, headerRoutes } from './message.js';
import type { FieldTable } from './wire.js';

/** Why a message was dead-lettered (RabbitMQ's reasons). */
export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

/** Where a queue sends its dead letters. */
export interface DeadLetterTarget {
  readonly exchange: string;
  readonly routingKey: string | undefined;
}

const X_DEATH = 'x-death';

/** The message that `queue` dead-letters to `target`. */
export function deadLetteredMessage(
  message: BrokerMessage,
  reason: DeathReason,
  queue: string,
  target: DeadLetterTarget,
  now = Date.now(),
): BrokerMessage {
  const headers: FieldTable = { ...message.properties.headers };
  const info: FieldTable = {
    reason,
    queue,
    time: { '!': 'timestamp', value: Math.floor(now / 1000) },
    exchange: message.exchange,
    'routing-keys': [message.routingKeys[0] ?? '', ...headerRoutes(headers[CC_HEADER])],
  };
  if (message.properties.expiration !== undefined) {
    info['original-expiration'] = message.properties.expiration;
  }
  const deaths = Array.isArray(headers[X_DEATH]) ? (headers[X_DEATH] as FieldTable[]) : undefined;
  if (deaths === undefined) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
    headers[X_DEATH] = [{ count: 1, ...info }];
  } else {
    const same = deaths.find((death) => death.queue === queue && death.reason === reason);
    const others = deaths.filter((death) => death !== same);
    // A repeated death counts up the entry it already has, keeping that entry's first details.
    const entry = same ? { ...same, count: Number(same.count) + 1 } : { count: 1, ...info };
    headers[X_DEATH] = [entry, ...others];
  }
  if (target.routingKey !== undefined) delete headers[CC_HEADER];
  return {
    exchange: target.exchange,
    routingKeys: target.routingKey === undefined ? message.routingKeys : [target.routingKey],
    content: message.content,
    properties: { ...message.properties, headers, expiration: undefined },
  };
}

/**
 * Whether delivering a dead-lettered message to `queue` would close a cycle made only of
 * automatic deaths (expiry, length limit), which RabbitMQ breaks by dropping the message.
 */
export function isAutomaticCycle(message: BrokerMessage, queue: string): boolean {
  const deaths = message.properties.headers[X_DEATH];
  if (!Array.isArray(deaths)) return false;
  const index = deaths.findIndex((death: FieldTable) => death.queue === queue);
  if (index < 0) return false;
  return deaths.slice(0, index + 1).every((death: FieldTable) => death.reason !== 'rejected');
}

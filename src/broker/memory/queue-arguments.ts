/**
 * Queue declarations: the options amqplib turns into `x-` arguments, the checks RabbitMQ makes
 * on them, and its equivalence rule on redeclaration (406 PRECONDITION_FAILED when a declared
 * argument differs, naming it and both values as RabbitMQ does).
 */

import { ReplyCode } from '../reply-codes.js';
import type { AssertQueueOptions, QueueType } from '../transport.js';
import { type BrokerRefusal, Method, refusal } from './amqp-errors.js';
import { type FieldTable, fieldTypeName, sameFieldValue, wireTable } from './wire.js';

/** How a full queue treats a new message. */
export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

/** A declaration, as the broker receives it. */
export interface QueueDeclaration {
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: FieldTable;
}

/** The behaviour the arguments select. */
export interface QueueSettings {
  type: QueueType;
  messageTtl: number | undefined;
  expires: number | undefined;
  deadLetterExchange: string | undefined;
  deadLetterRoutingKey: string | undefined;
  maxLength: number | undefined;
  overflow: Overflow;
  deliveryLimit: number | undefined;
  /** One consumer at a time receives messages: the first registered of those still there. */
  singleActiveConsumer: boolean;
}

// The arguments RabbitMQ compares on redeclaration; any other `x-` argument is ignored there.
const DECLARE_ARGUMENTS = [
  'x-expires',
  'x-message-ttl',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-in-memory-length',
  'x-max-in-memory-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-single-active-consumer',
  'x-queue-type',
  'x-quorum-initial-group-size',
  'x-max-age',
  'x-initial-cluster-size',
  'x-queue-leader-locator',
];

const OVERFLOWS: readonly string[] = ['drop-head', 'reject-publish', 'reject-publish-dlx'];

/** What amqplib sends for `assertQueue(name, options)`. */
export function queueDeclaration(options: AssertQueueOptions = {}): QueueDeclaration {
  const args = wireTable(options.arguments ?? {});
  // amqplib also promotes options beyond the contract's; untyped callers may pass them.
  const loose = options as AssertQueueOptions & Record<string, unknown>;
  const promoted: [string, unknown][] = [
    ['x-expires', options.expires],
    ['x-message-ttl', options.messageTtl],
    ['x-dead-letter-exchange', options.deadLetterExchange],
    ['x-dead-letter-routing-key', options.deadLetterRoutingKey],
    ['x-max-length', options.maxLength],
    ['x-max-priority', loose.maxPriority],
    ['x-overflow', loose.overflow],
    ['x-queue-mode', loose.queueMode],
  ];
  for (const [key, value] of promoted) if (value !== undefined) args[key] = value;
  return {
    durable: options.durable ?? true,
    exclusive: options.exclusive === true,
    autoDelete: options.autoDelete === true,
    arguments: args,
  };
}

/** Reads and checks the arguments of a new declaration (RabbitMQ's `invalid arg` refusals). */
export function queueSettings(name: string, declaration: QueueDeclaration): QueueSettings {
  const args = declaration.arguments;
  const type = args['x-queue-type'] ?? 'classic';
  if (type !== 'classic' && type !== 'quorum') {
    throw invalid(name, 'x-queue-type', `unsupported queue type '${String(type)}'`);
  }
  if (type === 'quorum') {
    if (!declaration.durable) throw invalidProperty(name, 'non-durable');
    if (declaration.exclusive) throw invalidProperty(name, 'exclusive-owner');
  }
  const overflow = args['x-overflow'] ?? 'drop-head';
  if (typeof overflow !== 'string' || !OVERFLOWS.includes(overflow)) {
    throw invalid(name, 'x-overflow', `{unknown_overflow,${JSON.stringify(overflow)}}`);
  }
  const expires = integerArgument(name, args, 'x-expires', 1);
  const single = args['x-single-active-consumer'] ?? false;
  if (typeof single !== 'boolean') {
    throw invalid(name, 'x-single-active-consumer', `{unacceptable_type,${fieldTypeName(single)}}`);
  }
  return {
    type,
    messageTtl: integerArgument(name, args, 'x-message-ttl', 0),
    expires,
    deadLetterExchange: stringArgument(name, args, 'x-dead-letter-exchange'),
    deadLetterRoutingKey: stringArgument(name, args, 'x-dead-letter-routing-key'),
    maxLength: integerArgument(name, args, 'x-max-length', 0),
    overflow: overflow as Overflow,
    deliveryLimit: integerArgument(name, args, 'x-delivery-limit', 0),
    singleActiveConsumer: single,
  };
}

/** RabbitMQ's equivalence check of a redeclaration against the queue as it exists. */
export function checkEquivalence(
  name: string,
  existing: QueueDeclaration,
  asked: QueueDeclaration,
): void {
  if (existing.durable !== asked.durable) {
    throw inequivalent(name, 'durable', `'${asked.durable}'`, `'${existing.durable}'`);
  }
  if (existing.autoDelete !== asked.autoDelete) {
    throw inequivalent(name, 'auto_delete', `'${asked.autoDelete}'`, `'${existing.autoDelete}'`);
  }
  for (const key of DECLARE_ARGUMENTS) {
    const before = existing.arguments[key];
    const now = asked.arguments[key];
    if (before === undefined && now === undefined) continue;
    if (before !== undefined && now !== undefined) {
      if (sameFieldValue(before, now)) continue;
      if (fieldTypeName(before) === fieldTypeName(now) || bothIntegers(before, now)) {
        throw inequivalent(name, key, `'${String(now)}'`, `'${String(before)}'`);
      }
    }
    throw inequivalent(name, key, typedValue(now), typedValue(before));
  }
}

function bothIntegers(a: unknown, b: unknown): boolean {
  return Number.isInteger(a) && Number.isInteger(b);
}

function typedValue(value: unknown): string {
  return value === undefined
    ? 'none'
    : `the value '${String(value)}' of type '${fieldTypeName(value)}'`;
}

function integerArgument(
  name: string,
  args: FieldTable,
  key: string,
  min: number,
): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(name, key, `{unacceptable_type,${fieldTypeName(value)}}`);
  }
  if (value < min) throw invalid(name, key, `{value_${min === 0 ? 'negative' : 'zero'},${value}}`);
  return value;
}

function stringArgument(name: string, args: FieldTable, key: string): string | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalid(name, key, `{unacceptable_type,${fieldTypeName(value)}}`);
  return value;
}

function where(name: string): string {
  return `queue '${name}' in vhost '/'`;
}

function inequivalent(name: string, key: string, received: string, current: string): BrokerRefusal {
  return refusal(
    ReplyCode.preconditionFailed,
    `inequivalent arg '${key}' for ${where(name)}: received ${received} but current is ${current}`,
    Method.queueDeclare,
  );
}

function invalid(name: string, key: string, detail: string): BrokerRefusal {
  return refusal(
    ReplyCode.preconditionFailed,
    `invalid arg '${key}' for ${where(name)}: ${detail}`,
    Method.queueDeclare,
  );
}

function invalidProperty(name: string, property: string): BrokerRefusal {
  return refusal(
    ReplyCode.preconditionFailed,
    `invalid property '${property}' for ${where(name)}`,
    Method.queueDeclare,
  );
}

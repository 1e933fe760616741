/**
 * Checks of consumer and handler options, so bad input fails with an {@link InputError} when
 * `consume()` or `handle()` is called, before anything reaches the broker.
 */

import { InputError } from '../errors.js';
import type { Binding } from '../exchanges/types.js';
import { checkContextClients } from './context.js';
import { describeValue } from './errors.js';
import {
  type ConsumerOptions,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_QUEUE_TYPE,
  type HandlerOptions,
} from './options.js';
import { checkRetryDelay } from './retry-delay.js';

function positiveInteger(name: string, value: unknown): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
    throw new InputError(`${name} must be a positive integer, got ${describeValue(value)}`);
  }
}

/** Checks the options of a consumer. */
export function checkConsumerOptions(options: ConsumerOptions<Binding<unknown, unknown>>): void {
  if (options === null || typeof options !== 'object') {
    throw new InputError('consumer options must be an object');
  }
  if (!Array.isArray(options.bindings) || options.bindings.length === 0) {
    throw new InputError('bindings must be a non-empty array of bindings');
  }
  for (const binding of options.bindings) {
    if (
      typeof binding?.exchange !== 'string' ||
      binding.exchange === '' ||
      typeof binding.routingKeyPattern !== 'string' ||
      binding.routingKeyPattern === ''
    ) {
      throw new InputError(
        'each binding needs a non-empty exchange and routingKeyPattern (use an exchange definition, taskRouteBinding, or { exchange, routingKeyPattern })',
      );
    }
  }
  if (
    options.queueName !== undefined &&
    (typeof options.queueName !== 'string' || options.queueName === '')
  ) {
    throw new InputError('queueName must be a non-empty string');
  }
  if (
    options.queueType !== undefined &&
    options.queueType !== 'quorum' &&
    options.queueType !== 'classic'
  ) {
    throw new InputError(
      `queueType must be "quorum" or "classic", got ${describeValue(options.queueType)}`,
    );
  }
  checkQueueShape(options);
  positiveInteger('prefetch', options.prefetch);
  positiveInteger('maxLength', options.maxLength);
  positiveInteger('expires', options.expires);
  positiveInteger('maxMessageSize', options.maxMessageSize);
}

const OVERFLOWS: readonly unknown[] = ['drop-head', 'reject-publish', 'reject-publish-dlx'];

/** The options that only some queues take, checked against the queue's kind and type. */
function checkQueueShape(options: ConsumerOptions<Binding<unknown, unknown>>): void {
  const quorum =
    options.queueName !== undefined && (options.queueType ?? DEFAULT_QUEUE_TYPE) === 'quorum';
  if (options.overflow !== undefined && !OVERFLOWS.includes(options.overflow)) {
    throw new InputError(
      `overflow must be "drop-head", "reject-publish" or "reject-publish-dlx", got ${describeValue(options.overflow)}`,
    );
  }
  if (options.overflow === 'reject-publish-dlx' && quorum) {
    throw new InputError(
      'overflow "reject-publish-dlx" is for classic queues: a quorum queue takes "drop-head" (its dropped messages go to /dead) or "reject-publish"',
    );
  }
  if (options.singleActiveConsumer !== undefined) {
    if (typeof options.singleActiveConsumer !== 'boolean') {
      throw new InputError('singleActiveConsumer must be true or false');
    }
    if (options.singleActiveConsumer && options.queueName === undefined) {
      throw new InputError(
        'singleActiveConsumer needs a durable queue (queueName): an exclusive queue has one consumer anyway',
      );
    }
  }
  if (options.deliveryLimit !== undefined) {
    positiveInteger('deliveryLimit', options.deliveryLimit);
    if (!quorum) {
      throw new InputError(
        'deliveryLimit is for quorum queues: give a queueName and leave queueType "quorum"',
      );
    }
  }
}

/** Checks the options of a handler runner: concurrency never above prefetch. */
export function checkHandlerOptions(options: HandlerOptions<Binding<unknown, unknown>>): void {
  checkConsumerOptions(options);
  positiveInteger('concurrency', options.concurrency);
  positiveInteger('maxAttempts', options.maxAttempts);
  checkRetryDelay(options.retryDelay, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  positiveInteger('handlerTimeout', options.handlerTimeout);
  const { taskcluster } = options;
  if (typeof taskcluster === 'object' && taskcluster !== null && 'fake' in taskcluster) {
    throw new InputError(
      'taskcluster.fake: fakes are per service, give fake clients instead: clients: { queue: new Queue({ rootUrl, fake: { ... } }) }',
    );
  }
  checkContextClients(options.clients);
  if (
    options.concurrency !== undefined &&
    options.prefetch !== undefined &&
    options.concurrency > options.prefetch
  ) {
    throw new InputError(
      `concurrency (${options.concurrency}) must not exceed prefetch (${options.prefetch}): a handler can only run on a delivered message`,
    );
  }
}

/**
 * Pulse names: a user may only use queues named `queue/<user>/...` and publish to exchanges
 * named `exchange/<user>/...`, so every name the consumer makes starts that way.
 */

import { InputError } from '../errors.js';
import { DEAD_QUEUE_SUFFIX, MANIFEST_QUEUE_SUFFIX, RETRY_QUEUE_SUFFIX } from './options.js';

/** The names of a durable work queue and its companions. */
export interface QueueNames {
  /** `queue/<namespace>/<name>`: where messages are consumed from. */
  work: string;
  /** `.../dead`: messages that failed every attempt or could not be decoded. */
  dead: string;
  /** `.../retry`: failed messages wait here, then dead-letter back to the work queue. */
  retry: string;
  /** `.../bindings`: the remembered bindings of the work queue. */
  manifest: string;
}

/** Checks a namespace (the Pulse user name). */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string' || namespace === '' || namespace.includes('/')) {
    throw new InputError('the namespace (Pulse user) must be a non-empty string without "/"');
  }
  return namespace;
}

/** The names of a durable queue `name` in `namespace`. */
export function queueNames(namespace: string, name: string): QueueNames {
  if (typeof name !== 'string' || name === '') {
    throw new InputError('a queue name must be a non-empty string');
  }
  const work = `queue/${namespace}/${name}`;
  return {
    work,
    dead: work + DEAD_QUEUE_SUFFIX,
    retry: work + RETRY_QUEUE_SUFFIX,
    manifest: work + MANIFEST_QUEUE_SUFFIX,
  };
}

/** A fresh name for an exclusive queue: `queue/<namespace>/exclusive/<random>`. */
export function exclusiveQueueName(namespace: string): string {
  return `queue/${namespace}/exclusive/${crypto.randomUUID()}`;
}

/** The full name of exchange `name` owned by `namespace`: `exchange/<namespace>/<name>`. */
export function exchangeName(namespace: string, name: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new InputError('an exchange name must be a non-empty string');
  }
  return `exchange/${namespace}/${name}`;
}

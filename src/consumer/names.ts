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

/** The longest AMQP queue name, in bytes (`shortstr`). */
const MAX_QUEUE_NAME_BYTES = 255;

/**
 * The names of the caller's durable queue given as `name` or as its full name
 * `queue/<namespace>/<name>`: for commands that inspect, replay or delete queues, which must
 * never reach a queue of another Pulse user, nor take a companion queue for a work queue.
 * @throws {InputError} for a name outside the namespace, a companion's name, or a name too long.
 */
export function ownQueueNames(namespace: string, name: unknown): QueueNames {
  if (typeof name !== 'string' || name === '') {
    throw new InputError('a queue name must be a non-empty string');
  }
  const own = `queue/${namespace}/`;
  let short = name;
  if (name.startsWith('queue/')) {
    if (!name.startsWith(own) || name.length === own.length) {
      throw new InputError(
        `queue "${name}" is outside the namespace "${namespace}": only queues named ${own}<name> can be used`,
      );
    }
    short = name.slice(own.length);
  }
  for (const suffix of [DEAD_QUEUE_SUFFIX, RETRY_QUEUE_SUFFIX, MANIFEST_QUEUE_SUFFIX]) {
    if (short.endsWith(suffix)) {
      throw new InputError(
        `"${name}" names the ${suffix.slice(1)} queue of "${short.slice(0, -suffix.length)}": give the work queue's name`,
      );
    }
  }
  const names = queueNames(namespace, short);
  if (Buffer.byteLength(names.manifest) > MAX_QUEUE_NAME_BYTES) {
    throw new InputError(
      `queue name "${short}" is too long: "${names.manifest}" must fit in ${MAX_QUEUE_NAME_BYTES} bytes`,
    );
  }
  return names;
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

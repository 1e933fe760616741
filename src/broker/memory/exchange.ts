/**
 * An exchange of the in-memory broker and its bindings. Bindings are grouped by pattern so a
 * publish evaluates each distinct pattern once, whatever the number of queues bound with it.
 */

import { compileTopicPattern, splitWords, type TopicMatcher } from './topic.js';

/** The exchange types of the contract. */
export type ExchangeType = 'topic' | 'direct' | 'fanout' | 'headers';

/** The declared properties of an exchange. */
export interface ExchangeDeclaration {
  type: ExchangeType;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
}

interface PatternBindings<Q> {
  readonly matcher: TopicMatcher;
  readonly queues: Set<Q>;
}

/** An exchange routing to queues of type `Q`. */
export class MemoryExchange<Q> {
  readonly #bindings = new Map<string, PatternBindings<Q>>();

  constructor(
    readonly name: string,
    readonly declaration: ExchangeDeclaration,
  ) {}

  /** Binds (idempotently). */
  bind(queue: Q, pattern: string): void {
    let group = this.#bindings.get(pattern);
    if (group === undefined) {
      group = { matcher: compileTopicPattern(pattern), queues: new Set() };
      this.#bindings.set(pattern, group);
    }
    group.queues.add(queue);
  }

  /** Unbinds; unbinding what is not bound is fine, as in RabbitMQ. */
  unbind(queue: Q, pattern: string): void {
    const group = this.#bindings.get(pattern);
    if (group === undefined) return;
    group.queues.delete(queue);
    if (group.queues.size === 0) this.#bindings.delete(pattern);
  }

  /** Removes every binding of a queue (the queue is gone); false if it had none here. */
  unbindAll(queue: Q): boolean {
    let removed = false;
    for (const [pattern, group] of [...this.#bindings]) {
      if (group.queues.has(queue)) {
        this.unbind(queue, pattern);
        removed = true;
      }
    }
    return removed;
  }

  /** Whether nothing is bound. */
  get unbound(): boolean {
    return this.#bindings.size === 0;
  }

  /** The bindings, as `[queue, pattern]` pairs. */
  *bindings(): IterableIterator<[Q, string]> {
    for (const [pattern, group] of this.#bindings) {
      for (const queue of group.queues) yield [queue, pattern];
    }
  }

  /** Adds to `into` every queue that one of the routing keys reaches. */
  route(routingKeys: readonly string[], into: Set<Q>): void {
    switch (this.declaration.type) {
      case 'fanout':
      case 'headers':
        // Header bindings carry no arguments in this contract, and x-match=all over no
        // arguments matches every message.
        for (const group of this.#bindings.values()) for (const q of group.queues) into.add(q);
        return;
      case 'direct':
        for (const key of routingKeys) {
          const group = this.#bindings.get(key);
          if (group) for (const q of group.queues) into.add(q);
        }
        return;
      case 'topic': {
        const keys = routingKeys.map(splitWords);
        for (const group of this.#bindings.values()) {
          if (keys.some((words) => group.matcher.matches(words))) {
            for (const q of group.queues) into.add(q);
          }
        }
      }
    }
  }
}

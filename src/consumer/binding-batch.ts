/**
 * Many binds or unbinds of one queue at once. A bind to a missing exchange closes its channel
 * (404), so they run on throwaway channels, several channels side by side with a few
 * operations handed to each: when the broker refuses one, the others that channel carried got
 * no answer and go again on a fresh channel. Only the refused operation fails, and with it the
 * operations on the same missing exchange not sent yet (they would be refused the same way).
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type { BrokerChannel, BrokerConnection } from '../broker/transport.js';
import { BINDING_CHANNELS, BINDINGS_IN_FLIGHT, BINDINGS_PER_CHANNEL } from './options.js';
import { withChannel } from './queues.js';

/** An exchange and a routing-key pattern: what one AMQP binding is. */
export interface BindingKey {
  exchange: string;
  routingKeyPattern: string;
}

/** A bind or an unbind of one binding, on the channel given. */
export type BindingOperation = (channel: BrokerChannel, binding: BindingKey) => Promise<unknown>;

/**
 * Runs `operation` for each binding; returns the broker's refusals (errors with an AMQP reply
 * code), by index in `bindings`.
 * @throws the error of a channel that ended with no refusal (the connection is gone): nothing
 * is sent after it.
 */
export function runBindingBatch(
  connection: BrokerConnection,
  bindings: readonly BindingKey[],
  operation: BindingOperation,
): Promise<Map<number, unknown>> {
  return new BindingBatch(connection, bindings, operation).run();
}

class BindingBatch {
  readonly #connection: BrokerConnection;
  readonly #bindings: readonly BindingKey[];
  readonly #operation: BindingOperation;
  readonly #refused = new Map<number, unknown>();
  /** The 404 of each exchange found missing, which settles its operations not sent yet. */
  readonly #missing = new Map<string, unknown>();
  /** Operations that got no answer, to send again. */
  readonly #again: number[] = [];
  /** The next operation never sent. */
  #next = 0;
  /** Why the batch stopped, once a channel ended with no refusal. */
  #lost: { error: unknown } | undefined;

  constructor(
    connection: BrokerConnection,
    bindings: readonly BindingKey[],
    operation: BindingOperation,
  ) {
    this.#connection = connection;
    this.#bindings = bindings;
    this.#operation = operation;
  }

  async run(): Promise<Map<number, unknown>> {
    const channels = Math.min(
      BINDING_CHANNELS,
      Math.ceil(this.#bindings.length / BINDINGS_PER_CHANNEL),
    );
    await Promise.all(Array.from({ length: channels }, () => this.#work()));
    if (this.#lost !== undefined) throw this.#lost.error;
    return this.#refused;
  }

  get #more(): boolean {
    return (
      this.#lost === undefined && (this.#again.length > 0 || this.#next < this.#bindings.length)
    );
  }

  /** One channel after another, until nothing is left. */
  async #work(): Promise<void> {
    while (this.#more) {
      try {
        await withChannel(this.#connection, (channel) => this.#drive(channel));
      } catch (error) {
        this.#lost ??= { error };
      }
    }
  }

  /** The next operation to send, or undefined when none is left. */
  #take(): number | undefined {
    while (this.#more) {
      const index = this.#again.pop() ?? this.#next++;
      const missing = this.#missing.get(this.#bindings[index]!.exchange);
      if (missing === undefined) return index;
      this.#refused.set(index, missing);
    }
    return undefined;
  }

  /**
   * Keeps {@link BINDINGS_IN_FLIGHT} operations on `channel` until none is left or the channel
   * ends; rejects when it ended with no refusal among its operations.
   */
  #drive(channel: BrokerChannel): Promise<void> {
    return new Promise((resolve, reject) => {
      let inFlight = 0;
      let ended = false;
      let refused = false;
      let unanswered: unknown;
      const settled = (index: number, error?: unknown): void => {
        inFlight--;
        if (error !== undefined) {
          // Any rejection means the channel is gone: amqplib rejects only the operation on the
          // wire with the broker's reply code, and the rest with none.
          ended = true;
          const code = replyCode(error);
          if (code === undefined) {
            unanswered ??= error;
            this.#again.push(index);
          } else {
            refused = true;
            this.#refused.set(index, error);
            if (code === ReplyCode.notFound)
              this.#missing.set(this.#bindings[index]!.exchange, error);
          }
        }
        send();
      };
      const send = (): void => {
        while (!ended && inFlight < BINDINGS_IN_FLIGHT) {
          const index = this.#take();
          if (index === undefined) break;
          inFlight++;
          const binding = this.#bindings[index]!;
          // Called in an async function, so a throw becomes a rejection like the others.
          (async () => this.#operation(channel, binding))().then(
            () => settled(index),
            (error: unknown) => settled(index, error ?? new Error('rejected without a reason')),
          );
        }
        if (inFlight > 0) return;
        if (ended && !refused) reject(unanswered);
        else resolve();
      };
      send();
    });
  }
}

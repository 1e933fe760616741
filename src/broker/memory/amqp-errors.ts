/**
 * Errors shaped exactly like amqplib's, so code that handles a real broker's errors handles the
 * in-memory broker's the same way: an `Error` with the AMQP reply `code`, `classId` and
 * `methodId`, and a message in amqplib's words around RabbitMQ's reply text.
 */

import { createRequire } from 'node:module';
import { ReplyCode, replyName } from '../reply-codes.js';

/** An AMQP method, named as amqplib names it, with its class and method ids. */
export interface AmqpMethod {
  readonly name: string;
  readonly classId: number;
  readonly methodId: number;
}

/** The AMQP methods behind the contract's operations. */
export const Method = {
  basicQos: { name: 'BasicQos', classId: 60, methodId: 10 },
  basicConsume: { name: 'BasicConsume', classId: 60, methodId: 20 },
  basicCancel: { name: 'BasicCancel', classId: 60, methodId: 30 },
  basicPublish: { name: 'BasicPublish', classId: 60, methodId: 40 },
  basicAck: { name: 'BasicAck', classId: 60, methodId: 80 },
  basicNack: { name: 'BasicNack', classId: 60, methodId: 120 },
  exchangeDeclare: { name: 'ExchangeDeclare', classId: 40, methodId: 10 },
  exchangeDelete: { name: 'ExchangeDelete', classId: 40, methodId: 20 },
  queueDeclare: { name: 'QueueDeclare', classId: 50, methodId: 10 },
  queueBind: { name: 'QueueBind', classId: 50, methodId: 20 },
  queuePurge: { name: 'QueuePurge', classId: 50, methodId: 30 },
  queueDelete: { name: 'QueueDelete', classId: 50, methodId: 40 },
  queueUnbind: { name: 'QueueUnbind', classId: 50, methodId: 50 },
  /** No method: the broker closes on its own initiative (an operator, a shutdown). */
  none: { name: 'None', classId: 0, methodId: 0 },
} as const satisfies Record<string, AmqpMethod>;

/** An AMQP error as amqplib surfaces it: the reply code and the method that caused it. */
export interface AmqpError extends Error {
  code: number;
  classId: number;
  methodId: number;
}

/**
 * What the broker decided: close the channel (or the connection, for `connection: true`) with
 * this code and text, because of this method. Thrown inside the broker, never to the user.
 */
export class BrokerRefusal {
  constructor(
    readonly code: number,
    readonly text: string,
    readonly method: AmqpMethod,
    readonly connection = false,
  ) {}

  /** `404 (NOT-FOUND) with message "NOT_FOUND - ..."`, amqplib's rendering of a close frame. */
  describe(): string {
    return `${this.code} (${replyName(this.code)}) with message "${this.text}"`;
  }

  /** The rejection of the operation that caused the close (amqplib's wording). */
  operationError(failed: AmqpMethod): AmqpError {
    const text =
      failed === this.method
        ? `Operation failed: ${failed.name}; ${this.describe()}`
        : `Channel closed by server: ${this.describe()}`;
    return this.#error(text);
  }

  /** The channel's `error` event. */
  channelError(): AmqpError {
    return this.#error(`Channel closed by server: ${this.describe()}`);
  }

  /** The connection's `error` and `close` argument. */
  connectionError(): AmqpError {
    return this.#error(`Connection closed: ${this.describe()}`);
  }

  #error(message: string): AmqpError {
    return Object.assign(new Error(message), {
      code: this.code,
      classId: this.method.classId,
      methodId: this.method.methodId,
    });
  }
}

/** Builds RabbitMQ's refusal texts, e.g. `NOT_FOUND - no queue 'q' in vhost '/'`. */
export function refusal(code: number, detail: string, method: AmqpMethod): BrokerRefusal {
  const prefix = replyName(code).replaceAll('-', '_');
  return new BrokerRefusal(code, `${prefix} - ${detail}`, method, code === ReplyCode.notAllowed);
}

/**
 * The error amqplib throws when an operation is attempted on a closed channel or connection.
 * amqplib is loaded here on first use only, so that importing the package does not load it.
 */
export function illegalOperation(message: string): Error {
  const { IllegalOperationError } = createRequire(import.meta.url)(
    'amqplib',
  ) as typeof import('amqplib');
  return new IllegalOperationError(message, `Stack capture: ${message}`);
}

/** What a pending request gets when its channel goes away before the reply (amqplib's words). */
export function channelEnded(): Error {
  return new Error('Channel ended, no reply will be forthcoming');
}

/**
 * A connection to the in-memory broker, with amqplib's client-side behaviour: `close` emits
 * `close` on every channel and then on itself; a forced close from the broker (320) emits
 * `close` with the error, a fatal one (e.g. 530) emits `error` first; an exception thrown by a
 * consumer callback kills the connection as amqplib's frame handler does; while the broker is
 * blocked, a publishing connection stops being read until it is unblocked.
 */

import { EventEmitter } from 'node:events';
import { ReplyCode } from '../reply-codes.js';
import type { BrokerConnection } from '../transport.js';
import { type BrokerRefusal, illegalOperation } from './amqp-errors.js';
import type { BrokerState } from './broker-state.js';
import {
  type ChannelCore,
  type ChannelHost,
  MemoryChannel,
  MemoryConfirmChannel,
} from './channel.js';

/** What a connection needs from the broker that accepted it. */
export interface ConnectionRegistry {
  readonly blocked: string | undefined;
  disconnected(connection: MemoryConnection): void;
}

type ConnectionState = 'open' | 'closing' | 'closed';

/** One client connection to the in-memory broker. */
export class MemoryConnection extends EventEmitter implements BrokerConnection, ChannelHost {
  #state: ConnectionState = 'open';
  #closedInfo = 'Connection closed (by client)';
  readonly #channels = new Set<ChannelCore>();
  #held: (() => void)[] | undefined;

  constructor(
    readonly broker: BrokerState,
    readonly registry: ConnectionRegistry,
  ) {
    super();
  }

  createChannel(): Promise<MemoryChannel> {
    return this.#open(new MemoryChannel(this));
  }

  createConfirmChannel(): Promise<MemoryConfirmChannel> {
    return this.#open(new MemoryConfirmChannel(this));
  }

  close(): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(illegalOperation(this.#closedInfo));
    this.#state = 'closing';
    this.#closedInfo = 'Connection closing';
    // amqplib closes a blocked connection at once, without waiting for the broker.
    this.#held = undefined;
    this.#teardown();
    return new Promise((resolve) => {
      this.broker.scheduler.defer(() => {
        this.#toClosed(undefined);
        resolve();
      });
    });
  }

  // --- ChannelHost

  submit(operation: () => void, publishing = false): void {
    if (this.#state !== 'open') return;
    if (publishing && this.registry.blocked !== undefined) this.#held ??= [];
    if (this.#held) this.#held.push(operation);
    else operation();
  }

  invoke(callback: () => void): void {
    if (this.#state === 'closed') return;
    try {
      callback();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  refuseConnection(refusal: BrokerRefusal): void {
    this.forceClose(refusal);
  }

  // --- what the broker calls

  /** The broker closes this connection (operator action, or a connection-level error). */
  forceClose(refusal: BrokerRefusal): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#teardown();
    this.broker.scheduler.defer(() => {
      const error = refusal.connectionError();
      // amqplib reports a forced close (320) only through `close`; other codes are fatal.
      if (refusal.code !== ReplyCode.connectionForced) this.emit('error', error);
      this.#toClosed(error);
    });
  }

  /** The client side broke (a callback threw): like a socket error in amqplib. */
  fail(error: Error): void {
    if (this.#state !== 'open') {
      // Thrown while already closing (e.g. by a `close` listener): surfaces as uncaught, as it
      // would from amqplib's socket handler.
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    this.#state = 'closing';
    this.#teardown();
    try {
      this.emit('error', error);
    } finally {
      this.#toClosed(error);
    }
  }

  /** The broker raised or cleared a resource alarm. */
  setBlocked(reason: string | undefined): void {
    this.broker.scheduler.defer(() => {
      if (this.#state !== 'open') return;
      if (reason !== undefined) {
        this.invoke(() => this.emit('blocked', reason));
        return;
      }
      this.invoke(() => this.emit('unblocked'));
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const operation of held) this.submit(operation);
    });
  }

  #open<C extends ChannelCore>(channel: C): Promise<C> {
    if (this.#state !== 'open') return Promise.reject(illegalOperation(this.#closedInfo));
    return new Promise((resolve) => {
      this.submit(() => {
        this.#channels.add(channel);
        this.broker.scheduler.defer(() => resolve(channel));
      });
    });
  }

  // Server side: channels released, exclusive queues deleted.
  #teardown(): void {
    this.#held = undefined;
    for (const channel of this.#channels) channel.release();
    this.broker.ownerGone(this);
    this.registry.disconnected(this);
  }

  #toClosed(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#closedInfo = `Connection closed (${error ? error.toString() : 'by client'})`;
    const channels = [...this.#channels];
    this.#channels.clear();
    // Channels close first (their callbacks still run), then the connection is gone.
    for (const channel of channels) channel.toClosed();
    this.#state = 'closed';
    this.emit('close', error);
  }
}

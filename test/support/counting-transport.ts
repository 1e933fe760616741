/**
 * A transport that hands everything to another one and counts the binds and unbinds its
 * channels send, so a test sees how many a consumer's set-up sent to the broker.
 */

import type {
  BrokerChannel,
  BrokerConnection,
  BrokerTransport,
} from '../../src/broker/transport.js';

/** A {@link BrokerTransport} with the counts of what its channels sent. */
export interface CountingTransport extends BrokerTransport {
  /** `queue.bind`s sent since the last {@link CountingTransport.reset}. */
  readonly binds: number;
  /** `queue.unbind`s sent since then. */
  readonly unbinds: number;
  /** `queue.bind`s to `exchange` sent since then. */
  bindsTo(exchange: string): number;
  /** Starts counting from zero. */
  reset(): void;
  /**
   * Holds every bind after the next `count` until released: `reached` resolves when the first
   * one is held. A held bind goes to its channel as it is then (closed, perhaps).
   */
  holdBindsAfter(count: number): { reached: Promise<void>; release(): void };
}

/** Wraps `inner`: every connection it opens counts its channels' binds and unbinds. */
export function countingTransport(inner: BrokerTransport): CountingTransport {
  const counts = { binds: 0, unbinds: 0 };
  const byExchange = new Map<string, number>();
  let hold: { after: number; gate: Promise<void>; reached: () => void } | undefined;
  const counted = <C extends BrokerChannel | Omit<BrokerChannel, 'publish' | 'sendToQueue'>>(
    channel: C,
  ): C => {
    const bind = channel.bindQueue.bind(channel);
    const unbind = channel.unbindQueue.bind(channel);
    channel.bindQueue = (...args) => {
      counts.binds++;
      byExchange.set(args[1], (byExchange.get(args[1]) ?? 0) + 1);
      if (hold === undefined || counts.binds <= hold.after) return bind(...args);
      hold.reached();
      return hold.gate.then(() => bind(...args));
    };
    channel.unbindQueue = (...args) => {
      counts.unbinds++;
      return unbind(...args);
    };
    return channel;
  };
  const connect = async (): Promise<BrokerConnection> => {
    const connection = await inner.connect();
    const createChannel = connection.createChannel.bind(connection);
    const createConfirmChannel = connection.createConfirmChannel.bind(connection);
    connection.createChannel = async () => counted(await createChannel());
    connection.createConfirmChannel = async () => counted(await createConfirmChannel());
    return connection;
  };
  return {
    kind: inner.kind,
    description: inner.description,
    connect,
    get binds() {
      return counts.binds;
    },
    get unbinds() {
      return counts.unbinds;
    },
    bindsTo: (exchange) => byExchange.get(exchange) ?? 0,
    reset() {
      counts.binds = 0;
      counts.unbinds = 0;
      byExchange.clear();
    },
    holdBindsAfter(count) {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let reached: () => void = () => undefined;
      const first = new Promise<void>((resolve) => {
        reached = resolve;
      });
      hold = { after: counts.binds + count, gate, reached };
      return {
        reached: first,
        release: () => {
          hold = undefined;
          release();
        },
      };
    },
  };
}

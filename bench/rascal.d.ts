/** The few shapes of the `rascal` package (which ships no types) that the peer baseline uses. */
declare module 'rascal' {
  /** A delivered message, as amqplib gives it. */
  export interface RascalMessage {
    properties: { headers?: Record<string, unknown> };
  }

  /** A subscription: `message` events with the parsed content and the ack callback. */
  export interface RascalSubscription {
    on(
      event: 'message',
      listener: (message: RascalMessage, content: unknown, ackOrNack: () => void) => void,
    ): RascalSubscription;
    on(event: 'subscribed', listener: () => void): RascalSubscription;
    on(event: 'error', listener: (error: Error) => void): RascalSubscription;
  }

  /** The promise flavour of the broker. */
  export interface RascalBroker {
    on(event: 'error', listener: (error: Error) => void): RascalBroker;
    subscribe(name: string): Promise<RascalSubscription>;
    shutdown(): Promise<void>;
  }

  const rascal: {
    BrokerAsPromised: { create(config: unknown): Promise<RascalBroker> };
    withDefaultConfig(definitions: unknown): unknown;
  };
  export default rascal;
}

/**
 * What a Pulse connection reports about itself and its consumers, as a union of `{ type }`.
 * Every `error` is an `Error` whose message is redacted: it never contains the broker password
 * (a lost connection's is a `PulseConnectionError` of the redacted message alone). A `host` names the broker
 * node: `hostname:port` for a URL or address (never with credentials), else the transport's
 * description; with a list of nodes it says which one an attempt or a connection went to.
 */

/** One event of a Pulse connection's life. */
export type PulseStatus =
  /** Opening a connection to `host` (`attempt` counts from 1 since the last one was up). */
  | { type: 'connecting'; attempt: number; host: string }
  /** A connection to `host` is up; `connection` numbers the connections of this client from 1. */
  | { type: 'connected'; connection: number; host: string }
  /**
   * The connection was lost (`error`, when the broker or the socket said why); consumers are
   * set up again on the next one.
   */
  | { type: 'disconnected'; connection: number; error: Error | undefined }
  /**
   * Waiting `delay` ms before connect attempt `attempt`, which goes to `host`; `error` is why
   * the previous attempt failed or the connection was lost.
   */
  | { type: 'reconnecting'; attempt: number; delay: number; error: Error; host: string }
  /** Replacing connection `connection` by a new one (periodic recycling). */
  | { type: 'recycling'; connection: number }
  /** The broker applies flow control: publishing waits. */
  | { type: 'blocked'; reason: string }
  /** Flow control lifted. */
  | { type: 'unblocked' }
  /** A consumer is consuming `queue` on connection `connection`. */
  | { type: 'consuming'; queue: string; connection: number }
  /** A consumer could not be set up (it is tried again on the next connection). */
  | { type: 'setup-failed'; queue: string; error: Error }
  /** A binding could not be made; the queue's other bindings work. */
  | {
      type: 'binding-failed';
      queue: string;
      exchange: string;
      routingKeyPattern: string;
      error: Error;
    }
  /** The broker cancelled a consumer (its queue was deleted, for instance); it is set up again. */
  | { type: 'consumer-cancelled'; queue: string }
  /**
   * A retry or bindings-manifest queue exists with other arguments than this version declares
   * (`argument`, when the broker names it: a classic queue made by an earlier version, where
   * quorum ones are made now). It is kept as it is, with what it holds; being classic, it does
   * not survive the loss of its node on a cluster. Delete it while no consumer of the queue
   * runs to have it made anew.
   */
  | { type: 'queue-kept'; queue: string; argument: string | undefined }
  /**
   * An exclusive queue was declared anew: messages published meanwhile were missed. Exclusive
   * queues are classic and live on one node, so on a cluster this follows the loss of that
   * node too; durable queues (`queueName`) are replicated and miss nothing.
   */
  | { type: 'messages-may-be-missed'; queue: string }
  /**
   * A message of an exclusive queue (which has no dead-letter queue) was dropped: poison, out of
   * handler attempts (its failures are logged), or lost with its connection before its handler
   * ran (`connection-lost`).
   */
  | { type: 'message-dropped'; queue: string; reason: string }
  /** The client is closed. */
  | { type: 'closed' };

/** The `type`s of {@link PulseStatus}. */
export type PulseStatusType = PulseStatus['type'];

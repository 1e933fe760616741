/**
 * Options of the Pulse connection, queues, consumers, handlers and publisher, and every default
 * they apply as a named constant, so a reader finds them in one place.
 */

import type { BrokerTransport, QueueType } from '../broker/transport.js';
import type { ClientOptions } from '../client/options.js';
import type { Binding } from '../exchanges/types.js';
import type { Logger } from '../logger.js';
import type { ContextClients } from './context.js';
import type { RetryDelayError } from './errors.js';
import type { PayloadSchema } from './schema.js';

/** Seconds between AMQP heartbeats; a half-open connection is detected after about two. */
export const DEFAULT_HEARTBEAT_S = 30;
/** The name a connection shows in the broker's connection list, unless given one. */
export const DEFAULT_CONNECTION_NAME = 'taskcluster-pulse';
/** Appended to the connection name of the publishers' own connection. */
export const PUBLISHING_CONNECTION_SUFFIX = '/publish';
/** Port of `amqp://` connections. */
export const DEFAULT_AMQP_PORT = 5672;
/** Port of `amqps://` connections. */
export const DEFAULT_AMQPS_PORT = 5671;
/** First reconnect delay in milliseconds; attempt `n` waits about `base * 2^n`. */
export const RECONNECT_BASE_DELAY_MS = 250;
/** Upper bound of one reconnect delay in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 30_000;
/** Lower bound of one reconnect delay, so a flapping broker is not hammered. */
export const RECONNECT_MIN_DELAY_MS = 100;
/** Relative jitter of reconnect delays (0.25 means +/-25 %). */
export const RECONNECT_JITTER = 0.25;
/** Lifetime of one connection before it is recycled, in milliseconds (1 hour). */
export const DEFAULT_RECYCLE_INTERVAL_MS = 3_600_000;
/** How long recycling and `close()` wait for in-flight handlers, in milliseconds. */
export const DEFAULT_GRACE_PERIOD_MS = 30_000;
/** Unacknowledged messages a consumer may hold. */
export const DEFAULT_PREFETCH = 32;
/** Handlers run at once by `handle()`; never above the prefetch. */
export const DEFAULT_CONCURRENCY = 8;
/** Handler attempts before a message goes to the dead-letter queue. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/**
 * The first delay of the default retry backoff, in milliseconds: after failed attempt `n` a
 * message waits `min(DEFAULT_RETRY_MAX_DELAY_MS, 10 s * 2^(n-1))`, +/- {@link DEFAULT_RETRY_JITTER}.
 */
export const DEFAULT_RETRY_DELAY_MS = 10_000;
/** The longest delay of the default retry backoff, in milliseconds (10 minutes). */
export const DEFAULT_RETRY_MAX_DELAY_MS = 600_000;
/** Relative jitter of the default retry backoff (0.2 means +/-20 %). */
export const DEFAULT_RETRY_JITTER = 0.2;
/**
 * The longest retry delay, in milliseconds (about 24.8 days): the largest timer Node.js sets (a
 * longer one fires at once), so also the bound of a message waiting in the process.
 */
export const MAX_RETRY_DELAY_MS = 2_147_483_647;
/**
 * Time one handler call may take, in milliseconds (20 minutes): below RabbitMQ's default
 * `consumer_timeout` of 30 minutes, which closes the channel of a message left unacked longer.
 */
export const DEFAULT_HANDLER_TIMEOUT_MS = 1_200_000;
/** The queue type of durable queues. */
export const DEFAULT_QUEUE_TYPE: QueueType = 'quorum';
/** How long a publish is retried (across reconnects) before it fails, in milliseconds. */
export const DEFAULT_PUBLISH_DEADLINE_MS = 60_000;
/** Published messages awaiting the broker's confirm at once, per connection. */
export const DEFAULT_PUBLISH_WINDOW = 1_000;
/**
 * How long reading the bindings manifest waits for its messages, in milliseconds. A competing
 * consumer may hold them for a moment; reconciling then goes on without (it binds, and leaves
 * stale bindings for the next time rather than guessing).
 */
export const MANIFEST_READ_TIMEOUT_MS = 2_000;
/**
 * Channels a batch of binds or unbinds runs on at most. amqplib sends one operation per channel
 * at a time and waits for its reply; RabbitMQ makes the bindings of several channels at once.
 */
export const BINDING_CHANNELS = 16;
/** Operations of a batch per channel before it takes another: a small batch needs only one. */
export const BINDINGS_PER_CHANNEL = 8;
/**
 * Operations handed to a channel at once, so that amqplib sends the next one as soon as a reply
 * comes in. When the broker refuses one (and closes the channel), the others go again on
 * another channel.
 */
export const BINDINGS_IN_FLIGHT = 4;

/** Dead letters `DeadLetterQueue.list()` returns unless given a `limit` (it reads them all). */
export const DEFAULT_DEAD_LETTER_LIST_LIMIT = 100;
/** Characters of a dead letter's payload kept in its summary (`DeadLetter.preview`). */
export const DEAD_LETTER_PREVIEW_CHARS = 200;
/**
 * How long reading a dead-letter queue waits for a message it counted but was not given, in
 * milliseconds: another reader (a second listing) may hold it. Reading then ends without it.
 */
export const DEAD_LETTER_READ_TIMEOUT_MS = 2_000;
/**
 * After reading the messages it counted, a pass that hands messages back goes on reading the
 * dead letters that arrive, until none came for this long (in milliseconds), so that it hands
 * them back behind the others: a quorum queue puts a requeued message at its tail, and a
 * newcomer left in the queue would otherwise end up ahead of older dead letters.
 */
export const DEAD_LETTER_SETTLE_MS = 100;
/**
 * Earlier deliveries (`x-delivery-count`) from which a listed dead letter is written anew (a
 * confirmed copy at the queue's tail, where a requeue puts it too, then the original acked)
 * rather than handed back: RabbitMQ before 4.3 counts each listing as a delivery, and 4.0 to
 * 4.2 give quorum queues a delivery limit of 20 by default, past which `/dead` (which has no
 * dead-letter target) would drop it.
 */
export const DEAD_LETTER_REFRESH_DELIVERIES = 10;

/** The port `serveHealth()` listens on unless given one (0 picks a free port). */
export const DEFAULT_HEALTH_PORT = 8080;
/** The signals on which `serveHealth()` shuts the bot down gracefully. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/**
 * Time a shutdown may take beyond the handlers' grace period, in milliseconds: acks, pending
 * publisher confirms and closing the connection. Past it the process exits anyway (status 1),
 * so that it is gone before Kubernetes' `terminationGracePeriodSeconds` ends in a SIGKILL.
 */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** Largest message body a consumer decodes; a larger one is poison (`too-large`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Suffix of a work queue's dead-letter queue: `queue/<namespace>/<name>/dead`. */
export const DEAD_QUEUE_SUFFIX = '/dead';
/** Suffix of a work queue's retry queue, whose TTL dead-letters back to the work queue. */
export const RETRY_QUEUE_SUFFIX = '/retry';
/** Suffix of the queue that remembers which bindings a durable queue has. */
export const MANIFEST_QUEUE_SUFFIX = '/bindings';

/**
 * How long a message waits after failed attempt `attempt` (from 1), in milliseconds; `error`
 * is what the handler threw.
 */
export type RetryDelayFunction = (attempt: number, error: unknown) => number;

/** Broker credentials; the password is never logged nor put in an error. */
export interface PulseCredentials {
  username: string;
  password: string;
}

/** TLS options of `amqps://` connections; certificates are verified unless told otherwise. */
export interface TlsOptions {
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** A client certificate (PEM). */
  cert?: string | Buffer;
  /** The client certificate's key (PEM). */
  key?: string | Buffer;
  /** Set to `false` to accept any certificate: only for testing. */
  rejectUnauthorized?: boolean;
  /** The TLS server name, when it differs from the host name. */
  servername?: string;
}

/** Where the broker is, as parts of its URL. */
export interface BrokerAddress {
  protocol?: 'amqp' | 'amqps';
  hostname: string;
  port?: number;
  vhost?: string;
  username?: string;
  password?: string;
}

/** The environment variable that names the broker when `connect()` is given none. */
export const PULSE_URL_ENV = 'PULSE_URL';

/** Options of a Pulse connection. */
export interface ConnectionOptions {
  /**
   * The broker: a URL (`amqps://user:pass@host:port/vhost`), its parts, or an already built
   * {@link BrokerTransport} (the in-memory broker, for instance). Without it, the URL in the
   * environment variable {@link PULSE_URL_ENV}, else a new in-memory broker (said in one log line).
   *
   * A RabbitMQ cluster is a list of its nodes' URLs or parts (not transports), all `amqp` or
   * all `amqps`, each node once. Connecting starts at a random node, so that replicas spread
   * over the cluster, and each attempt (with the usual backoff) goes to the next node in the
   * list, also after a lost connection; statuses name the node (`host:port`). `credentials`,
   * `tls`, `heartbeat` and `connectionName` apply to every node.
   */
  broker?:
    | string
    | BrokerAddress
    | readonly (string | BrokerAddress)[]
    | BrokerTransport
    | undefined;
  /**
   * Called on every (re)connect, so rotated Pulse passwords are picked up; overrides the user
   * and password of `broker`.
   */
  credentials?: () => Promise<PulseCredentials> | PulseCredentials;
  /** The Pulse user that owns queues (`queue/<namespace>/...`) and exchanges. */
  namespace: string;
  /** Seconds between heartbeats; defaults to {@link DEFAULT_HEARTBEAT_S}. */
  heartbeat?: number;
  /** TLS options of `amqps://` connections. */
  tls?: TlsOptions;
  /** Recycle the connection after this many milliseconds; `0` never. Defaults to 1 hour. */
  recycleInterval?: number;
  /** Bound on waiting for in-flight handlers when recycling, in milliseconds. */
  gracePeriod?: number;
  /** Reconnect delays: first, maximum and minimum, in milliseconds. */
  reconnect?: { baseDelay?: number; maxDelay?: number; minDelay?: number };
  /** A name shown in the broker's connection list (`connection_name`). */
  connectionName?: string;
  /** Where connection events are logged. */
  logger?: Logger;
}

/** How a consumer's queue is declared. */
export interface QueueOptions {
  /**
   * The queue's name within the namespace (`queue/<namespace>/<name>`): a durable queue shared
   * by every consumer that names it. Without a name the queue is exclusive and ephemeral: a new
   * one each connection, and messages published while disconnected are missed.
   */
  queueName?: string;
  /** The type of a durable queue; defaults to {@link DEFAULT_QUEUE_TYPE}. */
  queueType?: QueueType;
  /** Most messages the queue holds (`x-max-length`). */
  maxLength?: number;
  /** Delete the queue after it has been unused this many milliseconds (`x-expires`). */
  expires?: number;
  /**
   * What happens when `maxLength` is reached (`x-overflow`): `drop-head` (the default) drops
   * the oldest message, to `/dead` for a durable queue; `reject-publish` refuses new ones (the
   * publisher's confirm fails, so nothing is lost silently); `reject-publish-dlx` (classic
   * queues only) refuses them and dead-letters them.
   */
  overflow?: 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
  /**
   * One consumer at a time receives the queue's messages (`x-single-active-consumer`, durable
   * queues only): the other replicas wait as hot standbys and take over, in the order they
   * subscribed, when it goes. For ordered handling, use it with `concurrency: 1`; a retried
   * message still comes back behind the ones published after it.
   */
  singleActiveConsumer?: boolean;
  /**
   * Quorum queues only: deliveries of one message (redeliveries after a lost connection
   * included) before the broker dead-letters it to `/dead` (`x-delivery-limit`). RabbitMQ 4
   * applies 20 when none is set; attempts of failing handlers are counted by `maxAttempts`.
   */
  deliveryLimit?: number;
  /** Further queue arguments, passed as they are. */
  arguments?: Record<string, unknown>;
}

/** Options of a consumer: its queue, bindings and prefetch. */
export interface ConsumerOptions<B extends Binding<unknown, unknown>> extends QueueOptions {
  /** What the queue receives. On a durable queue, bindings no longer listed are removed. */
  bindings: readonly B[];
  /** Unacknowledged messages the consumer may hold; defaults to {@link DEFAULT_PREFETCH}. */
  prefetch?: number;
  /**
   * Message schemas (or validators) by full exchange name: a payload that does not match is
   * poison (`schema-mismatch`) and goes to the dead-letter queue.
   */
  schemas?: Readonly<Record<string, PayloadSchema>>;
  /** Largest body decoded, in bytes; defaults to {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageSize?: number;
}

/** Options of a handler runner. */
export interface HandlerOptions<B extends Binding<unknown, unknown>> extends ConsumerOptions<B> {
  /** Handlers run at once; at most `prefetch`. Defaults to {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /**
   * Attempts before dead-lettering; defaults to {@link DEFAULT_MAX_ATTEMPTS}. An exclusive queue
   * has no dead-letter queue: after its last attempt a message is reported `message-dropped`.
   */
  maxAttempts?: number;
  /**
   * How long a failed message waits before its next attempt, in milliseconds: a number (the
   * same for every attempt) or a function of the failed attempt (from 1) and the handler's
   * error, such as `exponentialBackoff()`'s. Defaults to `exponentialBackoff()`: 10 s, 20 s,
   * 40 s, 80 s (+/-20 %) for the default five attempts, capped at 10 minutes. On a durable queue
   * the message waits in the retry queue (a per-message TTL); on an exclusive one (no retry
   * queue) in the process, holding its prefetch slot.
   *
   * A function is called once for each attempt from 1 to `maxAttempts - 1` by `handle()`: one
   * that throws or returns anything but a number from 0 to {@link MAX_RETRY_DELAY_MS} is an
   * `InputError` then, before anything is consumed. Should it do so later, for one failed
   * message, that message is dead-lettered (reason `retry-delay-failed`, the
   * {@link RetryDelayError} and the handler's error in `x-tc-dead-error`) rather than retried
   * with a delay nobody chose; on an exclusive queue it is reported `message-dropped`.
   */
  retryDelay?: number | RetryDelayFunction;
  /** Milliseconds one handler call may take; below RabbitMQ's `consumer_timeout`. */
  handlerTimeout?: number;
  /** Taskcluster options the handler context's REST clients are built from. */
  taskcluster?: ClientOptions;
  /**
   * The handler context's REST clients to use instead of building them from `taskcluster`,
   * by name: e.g. fakes in a test, `{ queue: new Queue({ rootUrl, fake: { task: ... } }) }`
   * (whose `fakeCalls` then record the handler's calls). Each call still gets its own signal.
   */
  clients?: Partial<ContextClients>;
  /** Where handler failures are logged. */
  logger?: Logger;
}

/**
 * A durable queue's dead letters (`queue/<ns>/<name>/dead`): listed, replayed to the work
 * queue, purged.
 *
 * AMQP can only look at a queue's messages by taking them, so reading holds each message
 * unacked and hands it back afterwards. A quorum queue (the default) puts a requeued message
 * at its tail, so a reader that handed back only the first few would move them behind the
 * rest for good. Every pass that hands anything back therefore reads every message the queue
 * counted when it began, and the ones that arrive while it reads, then hands them back in the
 * order they came: the queue ends as it was. Replaying takes a message out only once its copy
 * is confirmed in the work queue (then acks it), so an interrupted replay loses nothing and at
 * worst leaves a message in both. RabbitMQ before 4.3 counts each listing as one delivery of
 * every message listed; a dead letter delivered {@link DEAD_LETTER_REFRESH_DELIVERIES} times
 * is written anew (with no count) instead of handed back, see that constant.
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type { BrokerConfirmChannel, BrokerConnection, Delivery } from '../broker/transport.js';
import { InputError } from '../errors.js';
import type { ConnectionManager } from './connection.js';
import { BrokerOperationError, QueueNotFoundError } from './errors.js';
import {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
  DELIVERY_COUNT_HEADER,
  EXCHANGE_HEADER,
  ROUTING_KEY_HEADER,
} from './message.js';
import type { QueueNames } from './names.js';
import {
  DEAD_LETTER_PREVIEW_CHARS,
  DEAD_LETTER_READ_TIMEOUT_MS,
  DEAD_LETTER_REFRESH_DELIVERIES,
  DEAD_LETTER_SETTLE_MS,
  DEFAULT_DEAD_LETTER_LIST_LIMIT,
} from './options.js';
import { withChannel } from './queues.js';
import { copyOptions, sendCopy } from './republish.js';

/** The reason of a dead letter that says none (not put there by this package or the broker). */
export const UNKNOWN_DEAD_REASON = 'unknown';

/** The largest prefetch AMQP can express (a 16-bit count); 0 means no limit. */
const MAX_PREFETCH = 65_535;

/** One dead letter, as a listing describes it. */
export interface DeadLetter {
  /** Its place in the dead-letter queue when listed, from 1 (the oldest). */
  readonly position: number;
  /**
   * Why it died: `handler-failed`, `retry-delay-failed`, a poison reason (`not-json`,
   * `bad-routing-key`, ...), or what RabbitMQ itself says of a message it dead-lettered from
   * the work queue (`delivery_limit`, `maxlen`, `rejected`, `expired`); `unknown` without any.
   */
  readonly reason: string;
  /** The last error (`x-tc-dead-error`), if any. */
  readonly error: string | undefined;
  /** Failed handler attempts (`x-tc-attempts`); 0 for poison. */
  readonly attempts: number;
  /** The exchange it was first published to, when known. */
  readonly exchange: string | undefined;
  /** The routing key it was first published with, when known. */
  readonly routingKey: string | undefined;
  /** Deliveries from the dead-letter queue, this listing's included (quorum queues count them). */
  readonly deliveries: number;
  /** The AMQP message id, if any. */
  readonly messageId: string | undefined;
  /** The AMQP timestamp (seconds since the epoch, as publishers set it), if any. */
  readonly timestamp: number | undefined;
  /** The body's size in bytes. */
  readonly bytes: number;
  /**
   * The body, cut to {@link DEAD_LETTER_PREVIEW_CHARS} characters (then ending in `…`):
   * compact JSON when it parses, else the text as a JSON string.
   */
  readonly preview: string;
}

/** Which dead letters an operation takes. */
export interface DeadLetterFilter {
  /** Only those with this reason (see {@link DeadLetter.reason}). */
  reason?: string;
  /** At most this many (a positive integer). */
  limit?: number;
}

/** What {@link DeadLetterQueue.list} found. */
export interface DeadLetterListing {
  /** The dead-letter queue's full name. */
  readonly queue: string;
  /** Dead letters read (every one the queue held, unless another reader held some). */
  readonly scanned: number;
  /** Of those, the ones that match the filter; `deadLetters` has the first `limit`. */
  readonly matched: number;
  /** The matching dead letters, oldest first, at most `limit` of them. */
  readonly deadLetters: readonly DeadLetter[];
  /** Dead letters written anew (see {@link DEAD_LETTER_REFRESH_DELIVERIES}). */
  readonly refreshed: number;
}

/** What {@link DeadLetterQueue.replay} did. */
export interface DeadLetterReplay {
  /** The dead-letter queue's full name. */
  readonly queue: string;
  /** The work queue the messages went to. */
  readonly target: string;
  /** Messages copied to the work queue (confirmed) and taken out of the dead-letter queue. */
  readonly replayed: number;
  /** Dead letters read. */
  readonly scanned: number;
  /** Dead letters written anew (see {@link DEAD_LETTER_REFRESH_DELIVERIES}). */
  readonly refreshed: number;
}

/** What a dead letter's headers (or, for one the broker dead-lettered, its `x-death`) say. */
interface DeadLetterFields {
  reason: string;
  error: string | undefined;
  attempts: number;
  exchange: string | undefined;
  routingKey: string | undefined;
}

/** A pass over a dead-letter queue; see {@link scan}. */
interface ScanPlan {
  /** The prefetch for a queue of `total` messages (0: no limit). */
  prefetch(total: number): number;
  /** Whether to move this dead letter (called in queue order); the others are handed back. */
  select(fields: DeadLetterFields, delivery: Delivery): boolean;
  /** Publishes a selected one's copy, confirmed; false when the broker returned it. */
  move(
    channel: BrokerConfirmChannel,
    delivery: Delivery,
    fields: DeadLetterFields,
  ): Promise<boolean>;
  /** True once nothing more will be selected. */
  readonly done: boolean;
}

interface ScanResult {
  scanned: number;
  refreshed: number;
  /** Why the pass stopped early: a returned copy, or an error. */
  failure: { returned: true } | { error: unknown } | undefined;
}

/** A durable queue's dead letters; `PulseClient.deadLetters(name)` gives one. */
export class DeadLetterQueue {
  /** The dead-letter queue's full name, `queue/<namespace>/<name>/dead`. */
  readonly queue: string;
  /** The work queue replays go to, `queue/<namespace>/<name>`. */
  readonly workQueue: string;
  readonly #manager: ConnectionManager;

  /** @internal Made by `PulseClient.deadLetters()`, which checks the name. */
  constructor(manager: ConnectionManager, names: QueueNames) {
    this.#manager = manager;
    this.queue = names.dead;
    this.workQueue = names.work;
  }

  /**
   * Describes the dead letters (those with `reason`, the first `limit`, default
   * {@link DEFAULT_DEAD_LETTER_LIST_LIMIT}), oldest first. Every message is handed back, in
   * its place (see the module comment).
   * @throws {InputError} for a bad filter; {@link QueueNotFoundError} when there is no such
   * dead-letter queue; {@link BrokerOperationError} when the connection failed meanwhile.
   */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterListing> {
    const { reason, limit = DEFAULT_DEAD_LETTER_LIST_LIMIT } = checkFilter(filter);
    const deadLetters: DeadLetter[] = [];
    let matched = 0;
    let position = 0;
    const result = await this.#scan('nothing was listed', {
      prefetch: () => 0,
      select: (fields, delivery) => {
        position++;
        if (reason !== undefined && fields.reason !== reason) return false;
        matched++;
        if (deadLetters.length < limit) deadLetters.push(summary(position, fields, delivery));
        return false;
      },
      move: () => Promise.resolve(false),
      done: false,
    });
    this.#throwIfFailed(result, 'the listing');
    return {
      queue: this.queue,
      scanned: result.scanned,
      matched,
      deadLetters,
      refreshed: result.refreshed,
    };
  }

  /**
   * Sends dead letters (those with `reason`, at most `limit`, oldest first) back to the work
   * queue with their attempt count reset and their dead-letter reason and error removed: each
   * copy is confirmed in the work queue before its dead letter is acked.
   * @throws {QueueNotFoundError} when the work queue (or the dead-letter queue) does not
   * exist, before anything is taken, or when the work queue went away during the replay (the
   * message it returned stays a dead letter); {@link BrokerOperationError} when the broker
   * refused a copy or the connection failed: nothing is lost, a message may be in both queues.
   */
  async replay(filter: DeadLetterFilter = {}): Promise<DeadLetterReplay> {
    const { reason, limit } = checkFilter(filter);
    const link = await this.#manager.nextLink();
    await checkExists(link.connection, this.workQueue, 'nothing was replayed');
    let replayed = 0;
    const result = await this.#scan('nothing was replayed', {
      // Without a filter nothing is handed back, so nothing needs holding: a window suffices.
      prefetch: (total) =>
        reason === undefined ? Math.min(total, limit ?? total, MAX_PREFETCH) : 0,
      select: (fields) =>
        (limit === undefined || replayed < limit) &&
        (reason === undefined || fields.reason === reason),
      move: async (channel, delivery, fields) => {
        const options = copyOptions(delivery, fields.exchange ?? '', fields.routingKey ?? '', {
          attempts: 0,
        });
        const sent = await sendCopy(channel, this.workQueue, delivery.content, options);
        if (sent) replayed++;
        return sent;
      },
      get done() {
        return limit !== undefined && replayed >= limit;
      },
    });
    if (result.failure !== undefined && 'returned' in result.failure) {
      throw new QueueNotFoundError(
        this.workQueue,
        `the replay stopped after ${replayed} message(s); the rest stay in ${this.queue}`,
      );
    }
    this.#throwIfFailed(result, `the replay (after ${replayed} message(s))`);
    return {
      queue: this.queue,
      target: this.workQueue,
      replayed,
      scanned: result.scanned,
      refreshed: result.refreshed,
    };
  }

  /**
   * Dead letters waiting in the queue (not counting those a listing holds right now).
   * @throws {QueueNotFoundError} when there is no such dead-letter queue.
   */
  async count(): Promise<number> {
    const link = await this.#manager.nextLink();
    return checkExists(link.connection, this.queue, 'nothing to count');
  }

  /**
   * Deletes every dead letter that is not being read right now (a listing's are not), and
   * resolves with how many.
   * @throws {QueueNotFoundError} when there is no such dead-letter queue.
   */
  async purge(): Promise<number> {
    const link = await this.#manager.nextLink();
    await checkExists(link.connection, this.queue, 'nothing was purged');
    const { messageCount } = (await withChannel(link.connection, (channel) =>
      channel.purgeQueue(this.queue),
    )) as { messageCount: number };
    return messageCount;
  }

  async #scan(consequence: string, plan: ScanPlan): Promise<ScanResult> {
    const link = await this.#manager.nextLink();
    return scan(link.connection, this.queue, this.workQueue, consequence, plan);
  }

  #throwIfFailed(result: ScanResult, what: string): void {
    const failure = result.failure;
    if (failure === undefined || !('error' in failure)) return;
    throw new BrokerOperationError(
      `${what} of ${this.queue} was interrupted: ${this.#manager.redact(failure.error)}; no message was taken out without its copy confirmed`,
      { cause: failure.error },
    );
  }
}

/** Checks a filter; the limit defaults to none. */
function checkFilter(filter: DeadLetterFilter): DeadLetterFilter {
  if (filter === null || typeof filter !== 'object') {
    throw new InputError('a dead-letter filter must be an object { reason?, limit? }');
  }
  const { reason, limit } = filter;
  if (reason !== undefined && (typeof reason !== 'string' || reason === '')) {
    throw new InputError('reason must be a non-empty string');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new InputError(`limit must be a positive integer, got ${String(limit)}`);
  }
  return filter;
}

/**
 * The ready messages of `queue`.
 * @throws {QueueNotFoundError} when it does not exist.
 */
async function checkExists(
  connection: BrokerConnection,
  queue: string,
  consequence: string,
): Promise<number> {
  try {
    return (await withChannel(connection, (channel) => channel.checkQueue(queue))).messageCount;
  } catch (error) {
    if (replyCode(error) === ReplyCode.notFound)
      throw new QueueNotFoundError(queue, consequence, error);
    throw error;
  }
}

/**
 * One pass over `queue` (see the module comment): reads the messages it counts at the start in
 * order, moves the ones the plan selects (acked once their copy is confirmed), and hands the
 * others back, with the dead letters that arrived meanwhile behind them.
 * @throws {QueueNotFoundError} when `queue` does not exist (`consequence` says what followed).
 */
async function scan(
  connection: BrokerConnection,
  queue: string,
  workQueue: string,
  consequence: string,
  plan: ScanPlan,
): Promise<ScanResult> {
  const channel = await connection.createConfirmChannel();
  let open = true;
  let channelError: unknown;
  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const stop = () => {
    stopping = true;
    clearTimeout(timer);
    finish();
  };
  const stopAfter = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(stop, ms);
  };
  channel.on('error', (error: Error) => {
    channelError = error;
  });
  channel.on('close', () => {
    open = false;
    stop();
  });
  const held: Delivery[] = [];
  let scanned = 0;
  let refreshed = 0;
  let failure: ScanResult['failure'];
  let total: number;
  try {
    total = (await channel.checkQueue(queue)).messageCount;
  } catch (error) {
    if (replyCode(error) === ReplyCode.notFound)
      throw new QueueNotFoundError(queue, consequence, error);
    throw error;
  }
  try {
    if (total === 0) return { scanned, refreshed, failure };
    await channel.prefetch(Math.min(plan.prefetch(total), MAX_PREFETCH));
    let received = 0;
    /** Reading the arrivals after the counted messages. */
    let settling = false;
    let work = Promise.resolve();
    const visit = async (delivery: Delivery): Promise<void> => {
      if (failure !== undefined) {
        held.push(keep(delivery));
        return;
      }
      scanned++;
      const fields = deadLetterFields(delivery, workQueue);
      if (!plan.select(fields, delivery)) {
        held.push(keep(delivery));
        return;
      }
      try {
        if (await plan.move(channel, delivery, fields)) channel.ack(delivery);
        else {
          failure = { returned: true };
          held.push(keep(delivery));
          stop();
        }
      } catch (error) {
        failure = { error };
        held.push(keep(delivery));
        stop();
      }
    };
    stopAfter(DEAD_LETTER_READ_TIMEOUT_MS);
    const { consumerTag } = await channel.consume(queue, (delivery) => {
      if (delivery === null) {
        // The broker cancelled the consumer: the queue was deleted.
        stop();
        return;
      }
      received++;
      if (stopping || received > total) {
        // Arrived after the counted ones (or the end): handed back behind them.
        held.push(keep(delivery));
        if (settling) {
          if (received > 2 * total) stop();
          else stopAfter(DEAD_LETTER_SETTLE_MS);
        }
        return;
      }
      stopAfter(DEAD_LETTER_READ_TIMEOUT_MS);
      work = work.then(() => visit(delivery));
      const last = received === total;
      void work.then(() => {
        if (stopping) return;
        // Nothing to hand back: the queue is as it was, less what moved; stop at once.
        if (held.length === 0 && (last || plan.done)) stop();
        else if (last) {
          settling = true;
          stopAfter(DEAD_LETTER_SETTLE_MS);
        }
      });
    });
    await finished;
    if (open) await channel.cancel(consumerTag).catch(() => undefined);
    await work;
    if (!open) failure ??= { error: channelError ?? new Error('the channel closed') };
    held.sort((a, b) => a.fields.deliveryTag - b.fields.deliveryTag);
    for (const delivery of held) {
      if (!open) break;
      if (needsRefresh(delivery) && (await refresh(channel, queue, delivery, workQueue))) {
        refreshed++;
      } else {
        channel.nack(delivery, false, true);
      }
    }
    if (open) await handedBack(channel, queue, held.length);
    return { scanned, refreshed, failure };
  } finally {
    clearTimeout(timer);
    if (open) await channel.close().catch(() => undefined);
  }
}

/** Time between two counts while waiting for messages handed back, in milliseconds. */
const COUNT_INTERVAL_MS = 20;

/**
 * Waits (up to {@link DEAD_LETTER_READ_TIMEOUT_MS}) until the queue counts the `count` messages
 * handed back: a quorum queue takes requeues in asynchronously, and an operation right after
 * this one (a second listing, a purge) must find them there.
 */
async function handedBack(
  channel: BrokerConfirmChannel,
  queue: string,
  count: number,
): Promise<void> {
  const end = Date.now() + DEAD_LETTER_READ_TIMEOUT_MS;
  while ((await channel.checkQueue(queue)).messageCount < count && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, COUNT_INTERVAL_MS));
  }
}

const NO_BODY = Buffer.alloc(0);

/**
 * What a held delivery keeps until it is handed back: the body only when it is to be written
 * anew, so that reading a long queue does not hold every body in memory (a nack needs the tag).
 */
function keep(delivery: Delivery): Delivery {
  return needsRefresh(delivery) ? delivery : { ...delivery, content: NO_BODY };
}

function needsRefresh(delivery: Delivery): boolean {
  const count = delivery.properties.headers?.[DELIVERY_COUNT_HEADER];
  return typeof count === 'number' && count >= DEAD_LETTER_REFRESH_DELIVERIES;
}

/**
 * Writes a dead letter anew at the tail of its queue (where a requeue would put it on a quorum
 * queue), with its origin in our headers and no delivery count, then acks the old one; false
 * (and nothing acked) when the copy is not confirmed, and the caller hands it back instead.
 */
async function refresh(
  channel: BrokerConfirmChannel,
  queue: string,
  delivery: Delivery,
  workQueue: string,
): Promise<boolean> {
  const fields = deadLetterFields(delivery, workQueue);
  const options = copyOptions(delivery, fields.exchange ?? '', fields.routingKey ?? '', {
    attempts: fields.attempts,
    reason: fields.reason,
    ...(fields.error === undefined ? {} : { error: fields.error }),
  });
  const sent = await sendCopy(channel, queue, delivery.content, options).catch(() => false);
  if (sent) channel.ack(delivery);
  return sent;
}

/** One entry of RabbitMQ's `x-death` header. */
interface Death {
  queue?: unknown;
  reason?: unknown;
  exchange?: unknown;
  'routing-keys'?: unknown;
}

/**
 * The fields of a dead letter: from our headers, else (a message the broker dead-lettered from
 * the work queue: a delivery limit, an overflow, a rejection) from its `x-death` entry.
 */
function deadLetterFields(delivery: Delivery, workQueue: string): DeadLetterFields {
  const headers = delivery.properties.headers ?? {};
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as Death[]) : [];
  const death = deaths.find((entry) => entry?.queue === workQueue) ?? deaths[0];
  const routingKeys = death?.['routing-keys'];
  const attempts = headers[ATTEMPTS_HEADER];
  return {
    reason: text(headers[DEAD_REASON_HEADER]) ?? text(death?.reason) ?? UNKNOWN_DEAD_REASON,
    error: text(headers[DEAD_ERROR_HEADER]),
    attempts: typeof attempts === 'number' ? attempts : 0,
    exchange: text(headers[EXCHANGE_HEADER]) ?? text(death?.exchange),
    routingKey:
      text(headers[ROUTING_KEY_HEADER]) ??
      (Array.isArray(routingKeys) ? text(routingKeys[0]) : undefined),
  };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function summary(position: number, fields: DeadLetterFields, delivery: Delivery): DeadLetter {
  const properties = delivery.properties;
  const count = properties.headers?.[DELIVERY_COUNT_HEADER];
  return {
    position,
    ...fields,
    deliveries: (typeof count === 'number' ? count : 0) + 1,
    messageId: properties.messageId,
    timestamp: properties.timestamp,
    bytes: delivery.content.length,
    preview: preview(delivery.content),
  };
}

function preview(content: Buffer): string {
  const body = content.toString('utf8');
  let shown: string;
  try {
    shown = JSON.stringify(JSON.parse(body));
  } catch {
    shown = JSON.stringify(body);
  }
  return shown.length > DEAD_LETTER_PREVIEW_CHARS
    ? `${shown.slice(0, DEAD_LETTER_PREVIEW_CHARS)}…`
    : shown;
}

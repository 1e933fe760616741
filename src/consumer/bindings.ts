/**
 * Bindings of a queue, and their reconciliation on durable queues.
 *
 * AMQP cannot list a queue's bindings (only the management API can, and Pulse users may not
 * have it), so a durable queue remembers what it was bound to in a manifest: a message in the
 * companion queue `.../bindings`. Reconciling reads the newest manifest, first writes the union
 * of old and new bindings (so a crash in between never forgets a binding it made), binds the new
 * ones, unbinds the ones no longer asked for, then writes the new manifest and acks the ones it
 * read. Competing consumers with the same configuration compute the same result; with different
 * configurations (a rolling deploy) the last one to reconcile wins.
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type {
  Delivery,
  TransportChannel,
  TransportConfirmChannel,
  TransportConnection,
} from '../broker/transport.js';
import type { Binding } from '../exchanges/types.js';
import { BrokerOperationError, MissingExchangeError } from './errors.js';
import { MANIFEST_READ_TIMEOUT_MS } from './options.js';
import { brokerDetail, withChannel } from './queues.js';

/** An exchange and a routing-key pattern: what one AMQP binding is. */
export interface BindingKey {
  exchange: string;
  routingKeyPattern: string;
}

/** A binding that could not be made, and why. */
export interface BindingFailure extends BindingKey {
  error: Error;
}

interface Manifest {
  /** Orders manifests: each write is later than every manifest its writer read. */
  written: number;
  bindings: BindingKey[];
}

/** The distinct bindings of a list, in order. */
export function distinctBindings(bindings: readonly Binding<unknown, unknown>[]): BindingKey[] {
  const seen = new Map<string, BindingKey>();
  for (const { exchange, routingKeyPattern } of bindings) {
    seen.set(keyOf({ exchange, routingKeyPattern }), { exchange, routingKeyPattern });
  }
  return [...seen.values()];
}

function keyOf(binding: BindingKey): string {
  return `${binding.exchange}\n${binding.routingKeyPattern}`;
}

/**
 * Binds `queue` to each binding on a throwaway channel, so a missing exchange (which closes the
 * channel) only fails that binding. Returns the failures.
 */
export async function bindAll(
  connection: TransportConnection,
  queue: string,
  bindings: readonly BindingKey[],
): Promise<BindingFailure[]> {
  const failures: BindingFailure[] = [];
  let remaining = bindings;
  while (remaining.length > 0) {
    let done = 0;
    try {
      await withChannel(connection, async (channel) => {
        for (const binding of remaining) {
          await channel.bindQueue(queue, binding.exchange, binding.routingKeyPattern);
          done++;
        }
      });
    } catch (error) {
      const binding = remaining[done]!;
      failures.push({ ...binding, error: bindingError(queue, binding, error) });
      done++;
    }
    remaining = remaining.slice(done);
  }
  return failures;
}

/** Unbinds each binding; one whose exchange is gone is gone too. */
export async function unbindAll(
  connection: TransportConnection,
  queue: string,
  bindings: readonly BindingKey[],
): Promise<void> {
  for (const binding of bindings) {
    try {
      await withChannel(connection, (channel) =>
        channel.unbindQueue(queue, binding.exchange, binding.routingKeyPattern),
      );
    } catch (error) {
      if (replyCode(error) !== ReplyCode.notFound) throw bindingError(queue, binding, error);
    }
  }
}

function bindingError(queue: string, binding: BindingKey, error: unknown): Error {
  if (replyCode(error) === ReplyCode.notFound)
    return new MissingExchangeError(binding.exchange, error);
  const text = error instanceof Error ? error.message : String(error);
  return new BrokerOperationError(
    `cannot bind queue "${queue}" to exchange "${binding.exchange}" with "${binding.routingKeyPattern}": ${brokerDetail(text)}`,
    { cause: error },
  );
}

/**
 * Makes a durable queue's bindings exactly `wanted` (see the module comment). Returns the
 * bindings that could not be made.
 */
export async function reconcileBindings(
  connection: TransportConnection,
  queue: string,
  manifestQueue: string,
  wanted: readonly BindingKey[],
): Promise<BindingFailure[]> {
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  let closed = false;
  channel.on('close', () => {
    closed = true;
  });
  try {
    // Declared with the other queues (declareDurableQueues), and here only counted.
    const { messageCount } = await channel.checkQueue(manifestQueue);
    const read = await readManifests(channel, manifestQueue, messageCount);
    const newest = newestManifest(read);
    const old = newest?.bindings ?? [];
    const oldKeys = new Set(old.map(keyOf));
    const wantedKeys = new Set(wanted.map(keyOf));
    const stale = old.filter((binding) => !wantedKeys.has(keyOf(binding)));
    const added = wanted.some((binding) => !oldKeys.has(keyOf(binding)));
    const written = Math.max(Date.now(), (newest?.written ?? 0) + 1);
    if (added || stale.length > 0) {
      // Written before binding, so a crash later still knows every binding that may exist.
      await writeManifest(channel, manifestQueue, { written, bindings: [...wanted, ...stale] });
      for (const { delivery } of read) channel.ack(delivery);
    } else {
      for (const { delivery, manifest } of read) if (manifest !== newest) channel.ack(delivery);
    }
    const failures = await bindAll(connection, queue, wanted);
    await unbindAll(connection, queue, stale);
    if (stale.length > 0) {
      await writeManifest(channel, manifestQueue, { written: written + 1, bindings: [...wanted] });
    }
    return failures;
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}

/**
 * The bindings the newest manifest of a durable queue records, or undefined without one. The
 * manifests read are handed back, so the queue's reconciliation sees them as before.
 */
export function recordedBindings(
  connection: TransportConnection,
  manifestQueue: string,
): Promise<BindingKey[] | undefined> {
  // Only read and handed back: a plain channel, closed afterwards, is enough.
  return withChannel(connection, async (channel) => {
    const { messageCount } = await channel.checkQueue(manifestQueue);
    const read = await readManifests(channel, manifestQueue, messageCount);
    for (const { delivery } of read) channel.nack(delivery, false, true);
    return newestManifest(read)?.bindings;
  });
}

function newestManifest(
  read: ReadonlyArray<{ manifest: Manifest | undefined }>,
): Manifest | undefined {
  return read.reduce<Manifest | undefined>(
    (best, { manifest }) =>
      manifest !== undefined && (best === undefined || manifest.written > best.written)
        ? manifest
        : best,
    undefined,
  );
}

async function readManifests(
  channel: Pick<TransportChannel, 'consume' | 'cancel'>,
  queue: string,
  count: number,
): Promise<Array<{ delivery: Delivery; manifest: Manifest | undefined }>> {
  if (count === 0) return [];
  const read: Array<{ delivery: Delivery; manifest: Manifest | undefined }> = [];
  let consumerTag = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, MANIFEST_READ_TIMEOUT_MS);
    channel
      .consume(queue, (delivery) => {
        if (delivery === null) return;
        read.push({ delivery, manifest: parseManifest(delivery.content) });
        if (read.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      })
      .then((reply) => {
        consumerTag = reply.consumerTag;
      }, reject);
  });
  if (consumerTag !== '') await channel.cancel(consumerTag);
  return read;
}

function parseManifest(content: Buffer): Manifest | undefined {
  try {
    const value = JSON.parse(content.toString('utf8')) as Partial<Manifest>;
    if (typeof value.written !== 'number' || !Array.isArray(value.bindings)) return undefined;
    const bindings = value.bindings.filter(
      (b): b is BindingKey =>
        typeof b?.exchange === 'string' && typeof b?.routingKeyPattern === 'string',
    );
    return { written: value.written, bindings };
  } catch {
    // An unreadable manifest is ignored: its bindings stay, which loses nothing.
    return undefined;
  }
}

function writeManifest(
  channel: TransportConfirmChannel,
  queue: string,
  manifest: Manifest,
): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(
      queue,
      Buffer.from(JSON.stringify(manifest)),
      { persistent: true, contentType: 'application/json' },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

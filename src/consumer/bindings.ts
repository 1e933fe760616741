/**
 * Bindings of a queue, and their reconciliation on durable queues.
 *
 * AMQP cannot list a queue's bindings (only the management API can, and Pulse users may not
 * have it), so a durable queue remembers what it was bound to in a manifest: a message in the
 * companion queue `.../bindings`, which also says which of them are known to exist (bound and
 * confirmed by the broker). Reconciling reads the newest manifest; when it has anything to do,
 * it first writes the union of old and new bindings with only the untouched ones known (so a
 * crash in between never forgets a binding it made, nor claims one it may not have made), binds
 * the ones not known to exist, unbinds the ones no longer asked for, then writes the new
 * manifest and acks the ones it read. A restart with the same bindings sends no bind at all.
 *
 * The manifest is trusted: a binding removed behind the consumer's back (by an operator, or
 * with an exchange deleted and declared again) is not made again by a restart. A work queue
 * that did not exist before the consumer declared it has no bindings, whatever its manifest
 * says, and gets all of them. Competing consumers with the same configuration compute the same
 * result; with different configurations (a rolling deploy) the last one to reconcile wins.
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type {
  BrokerChannel,
  BrokerConfirmChannel,
  BrokerConnection,
  Delivery,
} from '../broker/transport.js';
import type { Binding } from '../exchanges/types.js';
import { type BindingKey, runBindingBatch } from './binding-batch.js';
import { BrokerOperationError, MissingExchangeError } from './errors.js';
import { MANIFEST_READ_TIMEOUT_MS } from './options.js';
import { brokerDetail, withChannel } from './queues.js';

/** A binding that could not be made, and why. */
export interface BindingFailure extends BindingKey {
  error: Error;
}

interface Manifest {
  /** Orders manifests: each write is later than every manifest its writer read. */
  written: number;
  /** Every binding that may exist. */
  bindings: BindingKey[];
  /**
   * Those of `bindings` not known to exist: not made yet, refused, or being removed; the others
   * were made. Undefined (a manifest of an earlier version) when none is known to exist.
   */
  unconfirmed: BindingKey[] | undefined;
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
 * Binds `queue` to each binding, many at once on throwaway channels (see binding-batch.ts), so
 * a missing exchange only fails its own bindings. Returns the failures, in the order given.
 */
export async function bindAll(
  connection: BrokerConnection,
  queue: string,
  bindings: readonly BindingKey[],
): Promise<BindingFailure[]> {
  const refused = await runBindingBatch(connection, bindings, (channel, binding) =>
    channel.bindQueue(queue, binding.exchange, binding.routingKeyPattern),
  );
  return bindings.flatMap((binding, index) =>
    refused.has(index)
      ? [{ ...binding, error: bindingError(queue, binding, refused.get(index)) }]
      : [],
  );
}

/** Unbinds each binding, as {@link bindAll} binds; one whose exchange is gone is gone too. */
export async function unbindAll(
  connection: BrokerConnection,
  queue: string,
  bindings: readonly BindingKey[],
): Promise<void> {
  const refused = await runBindingBatch(connection, bindings, (channel, binding) =>
    channel.unbindQueue(queue, binding.exchange, binding.routingKeyPattern),
  );
  for (const [index, error] of refused) {
    if (replyCode(error) !== ReplyCode.notFound) throw bindingError(queue, bindings[index]!, error);
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
 * Makes a durable queue's bindings exactly `wanted` (see the module comment); `queueIsNew` says
 * the work queue was just declared anew. Returns the bindings that could not be made.
 */
export async function reconcileBindings(
  connection: BrokerConnection,
  queue: string,
  manifestQueue: string,
  wanted: readonly BindingKey[],
  queueIsNew: boolean,
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
    const plan = reconcilePlan(queueIsNew ? undefined : newest, wanted);
    const written = Math.max(Date.now(), (newest?.written ?? 0) + 1);
    let kept = newest;
    if (plan.announce) {
      await writeManifest(channel, manifestQueue, {
        written,
        bindings: [...wanted, ...plan.stale],
        unconfirmed: [...plan.bind, ...plan.stale],
      });
      kept = undefined;
    }
    for (const { delivery, manifest } of read) if (manifest !== kept) channel.ack(delivery);
    const failures = await bindAll(connection, queue, plan.bind);
    await unbindAll(connection, queue, plan.stale);
    const unconfirmed = failures.map(({ exchange, routingKeyPattern }) => ({
      exchange,
      routingKeyPattern,
    }));
    const settled = kept !== undefined && records(kept, wanted, unconfirmed);
    if (!settled) {
      await writeManifest(channel, manifestQueue, {
        written: written + 1,
        bindings: [...wanted],
        unconfirmed,
      });
      for (const { delivery, manifest } of read) if (manifest === kept) channel.ack(delivery);
    }
    return failures;
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}

/** What a reconciliation does, from the manifest it trusts (none: nothing is known). */
interface ReconcilePlan {
  /** The wanted bindings not known to exist. */
  bind: BindingKey[];
  /** The recorded bindings no longer wanted. */
  stale: BindingKey[];
  /**
   * Whether a manifest must be written before binding: this run may make a binding the trusted
   * one does not list, or remove one it lists.
   */
  announce: boolean;
}

function reconcilePlan(
  trusted: Manifest | undefined,
  wanted: readonly BindingKey[],
): ReconcilePlan {
  const recorded = new Set((trusted?.bindings ?? []).map(keyOf));
  const unconfirmed =
    trusted?.unconfirmed === undefined ? undefined : new Set(trusted.unconfirmed.map(keyOf));
  const wantedKeys = new Set(wanted.map(keyOf));
  const known = (key: string) =>
    unconfirmed !== undefined && recorded.has(key) && !unconfirmed.has(key);
  const bind = wanted.filter((binding) => !known(keyOf(binding)));
  const stale = (trusted?.bindings ?? []).filter((binding) => !wantedKeys.has(keyOf(binding)));
  const announce = stale.length > 0 || bind.some((binding) => !recorded.has(keyOf(binding)));
  return { bind, stale, announce };
}

/** Whether `manifest` records exactly these bindings with these unconfirmed. */
function records(
  manifest: Manifest,
  bindings: readonly BindingKey[],
  unconfirmed: readonly BindingKey[],
): boolean {
  return (
    manifest.unconfirmed !== undefined &&
    sameSet(manifest.bindings, bindings) &&
    sameSet(manifest.unconfirmed, unconfirmed)
  );
}

function sameSet(a: readonly BindingKey[], b: readonly BindingKey[]): boolean {
  const keys = new Set(a.map(keyOf));
  return keys.size === new Set(b.map(keyOf)).size && b.every((binding) => keys.has(keyOf(binding)));
}

/**
 * The bindings the newest manifest of a durable queue records, or undefined without one. The
 * manifests read are handed back, so the queue's reconciliation sees them as before.
 */
export function recordedBindings(
  connection: BrokerConnection,
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
  channel: Pick<BrokerChannel, 'consume' | 'cancel'>,
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
    const value = JSON.parse(content.toString('utf8')) as {
      written?: unknown;
      bindings?: unknown;
      unconfirmed?: unknown;
    };
    if (typeof value.written !== 'number' || !Array.isArray(value.bindings)) return undefined;
    return {
      written: value.written,
      bindings: bindingKeys(value.bindings),
      unconfirmed: Array.isArray(value.unconfirmed) ? bindingKeys(value.unconfirmed) : undefined,
    };
  } catch {
    // An unreadable manifest is ignored: its bindings stay, which loses nothing.
    return undefined;
  }
}

function bindingKeys(values: readonly unknown[]): BindingKey[] {
  return values.filter(
    (b): b is BindingKey =>
      typeof (b as Partial<BindingKey> | null)?.exchange === 'string' &&
      typeof (b as Partial<BindingKey> | null)?.routingKeyPattern === 'string',
  );
}

function writeManifest(
  channel: BrokerConfirmChannel,
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

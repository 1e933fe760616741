/**
 * A broker given as a list of nodes (a RabbitMQ cluster): the list is checked before anything
 * is sent, and a connection tries the nodes in turn from a random first one, so that the
 * replicas of a bot spread over the cluster instead of all landing on its first node.
 */

import type { BrokerTransport } from '../broker/transport.js';
import { InputError } from '../errors.js';
import { normalizeBrokerAddress } from './amqp-transport.js';
import type { BrokerAddress, ConnectionOptions } from './options.js';

/** True for an already built {@link BrokerTransport} (anything with a `connect` method). */
export function isTransport(broker: unknown): broker is BrokerTransport {
  return typeof broker === 'object' && broker !== null && 'connect' in broker;
}

/**
 * The nodes of a broker given as a URL, its parts, or a list of those: a single one is a list
 * of one (checked when its transport is built, as before lists existed).
 * @throws {InputError} for an empty list, an entry that is neither a URL nor an address (a
 * transport, say), a bad entry, a list that mixes `amqp` and `amqps`, or a node listed twice.
 */
export function brokerNodes(
  broker: Exclude<NonNullable<ConnectionOptions['broker']>, BrokerTransport>,
): readonly (string | BrokerAddress)[] {
  if (!isList(broker)) return [broker];
  if (broker.length === 0) {
    throw new InputError('the broker list is empty: give at least one URL or address');
  }
  const seen = new Map<string, number>();
  let first: { protocol: string; index: number } | undefined;
  broker.forEach((node: unknown, index) => {
    const address = addressAt(node, index);
    first ??= { protocol: address.protocol, index };
    // One protocol for all: with a plain `amqp` node among `amqps` ones, the password would
    // cross the network unencrypted whenever the rotation reaches that node.
    if (address.protocol !== first.protocol) {
      throw new InputError(
        `the broker list mixes ${first.protocol} (broker[${first.index}]) and ${address.protocol} (broker[${index}]): every node must use the same protocol`,
      );
    }
    // Host names are case-insensitive; the port and vhost have their defaults applied, so
    // `amqp://a:5672/` and `amqp://a` are the same node.
    const key = `${address.hostname.toLowerCase()}:${address.port}/${address.vhost}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InputError(
        `broker[${index}] is the same node as broker[${earlier}] (${address.hostname}:${address.port}, vhost "${address.vhost}"): list each node once`,
      );
    }
    seen.set(key, index);
  });
  return broker;
}

/**
 * The index of the node a new connection tries first, uniform over `count` nodes.
 * @param random - returns a number in [0, 1), like `Math.random` (the default).
 */
export function firstNodeIndex(count: number, random: () => number = Math.random): number {
  return Math.floor(random() * count);
}

/** `Array.isArray`, which does not narrow a readonly array type. */
function isList(
  broker: Exclude<NonNullable<ConnectionOptions['broker']>, BrokerTransport>,
): broker is readonly (string | BrokerAddress)[] {
  return Array.isArray(broker);
}

/** The normalized address of entry `index`; its errors say which entry, never its password. */
function addressAt(node: unknown, index: number) {
  if (isTransport(node)) {
    throw new InputError(
      `broker[${index}] is a transport: a broker list takes only URLs and addresses (give a transport alone, not in a list)`,
    );
  }
  if (typeof node !== 'string' && (typeof node !== 'object' || node === null)) {
    throw new InputError(
      `broker[${index}] must be a URL or an address, got ${node === null ? 'null' : typeof node}`,
    );
  }
  try {
    return normalizeBrokerAddress(node as string | BrokerAddress);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`broker[${index}]: ${error.message}`, { cause: error });
  }
}

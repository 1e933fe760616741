/**
 * A broker given as a list of nodes: the list's checks, the random first node, and connections
 * against the real RabbitMQ next to ports where nothing listens.
 */

import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import { AmqpTransport } from '../../src/consumer/amqp-transport.js';
import { brokerNodes, firstNodeIndex } from '../../src/consumer/broker-list.js';
import { connectOrFail } from '../../src/consumer/connect-or-fail.js';
import { ConnectFailedError } from '../../src/consumer/errors.js';
import { connect } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { InputError } from '../../src/errors.js';
import {
  BROKER_URL,
  closeConnectionsNamed,
  heartbeatsOf,
  unique,
  waitFor,
} from '../support/rabbitmq.js';
import { statusText } from '../support/statuses.js';

/** Fast reconnects, so that a test sees many attempts in a moment. */
const FAST_RECONNECT = { baseDelay: 5, maxDelay: 20, minDelay: 5 };

/** `count` distinct ports of 127.0.0.1 where nothing listens (bound at once, then released). */
async function closedPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The statuses of `type` among `statuses`. */
function ofType<T extends PulseStatus['type']>(
  statuses: readonly PulseStatus[],
  type: T,
): Extract<PulseStatus, { type: T }>[] {
  return statuses.filter((s): s is Extract<PulseStatus, { type: T }> => s.type === type);
}

/** Catches what `run` throws, failing when it throws nothing. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('broker lists: checks', () => {
  const memoryTransport = createMemoryBroker().transport();
  it.each([
    ['an empty list', [], /the broker list is empty/],
    [
      'amqp and amqps URLs',
      ['amqp://u:secret@a', 'amqps://u:secret@b'],
      /mixes amqp \(broker\[0\]\) and amqps \(broker\[1\]\)/,
    ],
    [
      'an address (amqps by default) and an amqp URL',
      [{ hostname: 'a', password: 'secret' }, 'amqp://b'],
      /mixes amqps \(broker\[0\]\) and amqp \(broker\[1\]\)/,
    ],
    [
      'a node with and without its default port and vhost',
      ['amqp://u:secret@a:5672/', 'amqp://u:secret@a/'],
      /broker\[1\] is the same node as broker\[0\] \(a:5672, vhost "\/"\)/,
    ],
    [
      'a URL and the same node as an address, in another case',
      ['amqps://u:secret@Pulse.Example.com', { hostname: 'pulse.example.com', port: 5671 }],
      /broker\[1\] is the same node as broker\[0\]/,
    ],
    [
      'an encoded default vhost',
      ['amqp://a', 'amqp://b', 'amqp://a/%2F'],
      /broker\[2\] is the same node as broker\[0\]/,
    ],
    [
      'an IPv6 node twice',
      ['amqp://[::1]', { protocol: 'amqp', hostname: '::1', vhost: '/' }],
      /broker\[1\] is the same node as broker\[0\]/,
    ],
    ['a transport', [memoryTransport], /broker\[0\] is a transport/],
    ['a transport after a URL', ['amqp://a', memoryTransport], /broker\[1\] is a transport/],
    ['a number', ['amqp://a', 5672], /broker\[1\] must be a URL or an address, got number/],
    ['null', [null], /broker\[0\] must be a URL or an address, got null/],
    [
      'a URL of another scheme',
      ['amqp://a', 'http://u:secret@b'],
      /broker\[1\]: the broker URL must start with amqp/,
    ],
    [
      'an address without a hostname',
      [{ protocol: 'amqp', hostname: '' }],
      /broker\[0\]: .*hostname/,
    ],
  ])('connect() refuses %s with an InputError that shows no password', (_, broker, message) => {
    const error = thrownBy(() => connect({ broker: broker as never, namespace: 'ns' }));
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).toMatch(message);
    expect(String(error)).not.toContain('secret');
  });

  it.each([
    ['one node', ['amqp://a']],
    ['two ports of one host', ['amqp://a:5672', 'amqp://a:5673']],
    ['two vhosts of one node', ['amqps://a/one', 'amqps://a/two']],
    ['URLs and addresses', ['amqps://u:p@a', { hostname: 'b', username: 'u', password: 'p' }]],
  ])('takes %s', (_, broker) => {
    expect(brokerNodes(broker)).toEqual(broker);
  });

  it('takes a single URL or address as a list of one', () => {
    expect(brokerNodes('amqp://a')).toEqual(['amqp://a']);
    expect(brokerNodes({ hostname: 'a' })).toEqual([{ hostname: 'a' }]);
  });

  it('names a node hostname:port, an IPv6 one in brackets, never with its credentials', () => {
    expect(new AmqpTransport({ broker: 'amqps://me:hunter2@pulse.example.com' }).host).toBe(
      'pulse.example.com:5671',
    );
    expect(new AmqpTransport({ broker: 'amqp://u:p@[::1]/vhost' }).host).toBe('[::1]:5672');
    expect(new AmqpTransport({ broker: { hostname: 'h', port: 1234 } }).host).toBe('h:1234');
  });
});

describe('broker lists: the first node', () => {
  it.each([
    [0, 3, 0],
    [0.34, 3, 1],
    [0.999_999, 3, 2],
    [0.75, 1, 0],
  ])('random() = %d over %d nodes starts at node %d', (value, count, expected) => {
    expect(firstNodeIndex(count, () => value)).toBe(expected);
  });

  it('can start at any node', () => {
    const count = 5;
    const starts = Array.from({ length: count }, (_, i) =>
      firstNodeIndex(count, () => (i + 0.5) / count),
    );
    expect(starts).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('broker lists: against RabbitMQ', () => {
  const real = new URL(BROKER_URL);
  const defaultPort = real.protocol === 'amqps:' ? 5671 : 5672;
  const realHost = `${real.hostname}:${real.port || defaultPort}`;

  it('connects through a list of a closed port and the broker, names the node, and after a loss tries the next node first', async () => {
    const [port] = await closedPorts(1);
    const closedHost = `127.0.0.1:${port}`;
    const connectionName = unique('list');
    const statuses: PulseStatus[] = [];
    let credentialCalls = 0;
    const pulse = connect({
      // No credentials in the URLs: the credentials function serves every node.
      broker: [`${real.protocol}//${closedHost}`, `${real.protocol}//${real.host}${real.pathname}`],
      credentials: () => {
        credentialCalls++;
        return {
          username: decodeURIComponent(real.username),
          password: decodeURIComponent(real.password),
        };
      },
      namespace: unique('ns'),
      connectionName,
      heartbeat: 7,
      reconnect: FAST_RECONNECT,
    });
    pulse.status$.subscribe((s) => statuses.push(s));
    try {
      await pulse.connected();
      expect(ofType(statuses, 'connected').map((s) => s.host)).toEqual([realHost]);
      // From a random first node: the broker at once, or the closed port, then the broker.
      const before = ofType(statuses, 'reconnecting').map((s) => s.host);
      expect([[], [realHost]]).toContainEqual(before);
      expect(credentialCalls).toBe(1 + before.length);
      expect(await heartbeatsOf(connectionName)).toEqual([7]);

      statuses.length = 0;
      expect(await closeConnectionsNamed(connectionName)).toBe(1);
      await waitFor(() => ofType(statuses, 'connected').length === 1, 'a new connection');
      const after = ofType(statuses, 'reconnecting');
      expect(after.map((s) => s.host)).toEqual([closedHost, realHost]);
      expect(after[1]!.error.message).toContain(closedHost);
      expect(ofType(statuses, 'connected')[0]!.host).toBe(realHost);
      expect(statusText(statuses)).not.toContain(decodeURIComponent(real.password));
      expect(pulse.broker).toContain(closedHost);
    } finally {
      await pulse.close();
    }
  });

  it('connect() starts at the node Math.random picks', async () => {
    const [port] = await closedPorts(1);
    const broker = [`${real.protocol}//127.0.0.1:${port}`, BROKER_URL];
    const tried: string[][] = [];
    // Math.random, not a function of ours: the draw that picks the first node, made constant.
    const random = vi.spyOn(Math, 'random');
    try {
      for (const value of [0, 0.99]) {
        random.mockReturnValue(value);
        const statuses: PulseStatus[] = [];
        const pulse = connect({ broker, namespace: unique('ns'), reconnect: FAST_RECONNECT });
        pulse.status$.subscribe((s) => statuses.push(s));
        await pulse.connected();
        await pulse.close();
        tried.push(ofType(statuses, 'reconnecting').map((s) => s.host));
      }
    } finally {
      random.mockRestore();
    }
    // From node 0 (the closed port) the second attempt reaches the broker; from node 1, the first.
    expect(tried).toEqual([[realHost], []]);
  });

  it('with every node down, reconnects on and on, one reconnecting status per attempt naming each node in turn', async () => {
    const hosts = (await closedPorts(3)).map((port) => `127.0.0.1:${port}`);
    const statuses: PulseStatus[] = [];
    const pulse = connect({
      broker: hosts.map((host) => `amqp://${host}`),
      namespace: unique('ns'),
      reconnect: FAST_RECONNECT,
    });
    pulse.status$.subscribe((s) => statuses.push(s));
    await waitFor(
      () => ofType(statuses, 'reconnecting').length >= 3 * hosts.length,
      'three rounds of the nodes',
    );
    expect(pulse.healthy).toBe(false);
    await pulse.close();
    const reconnecting = ofType(statuses, 'reconnecting');
    const first = hosts.indexOf(reconnecting[0]!.host);
    expect(first).toBeGreaterThanOrEqual(0);
    reconnecting.forEach((status, k) => {
      expect(status.attempt).toBe(reconnecting[0]!.attempt + k);
      expect(status.host).toBe(hosts[(first + k) % hosts.length]);
      // The error is the previous attempt's, on the node before this one.
      if (k > 0) expect(status.error.message).toContain(reconnecting[k - 1]!.host);
    });
    // Each announced attempt was made, to the node announced (the last one may have been
    // cut short by close(); the first attempt came before the subscription).
    const connecting = ofType(statuses, 'connecting').map((s) => [s.attempt, s.host]);
    expect(connecting.length).toBeGreaterThanOrEqual(reconnecting.length - 1);
    expect(connecting).toEqual(
      reconnecting.slice(0, connecting.length).map((s) => [s.attempt, s.host]),
    );
    expect(ofType(statuses, 'connected')).toEqual([]);
    expect(statuses.at(-1)).toEqual({ type: 'closed' });
  });

  it.each([0, 0.99])(
    'connectOrFail() (random %d) connects when any node answers, trying each node once',
    async (random) => {
      const [port] = await closedPorts(1);
      const spy = vi.spyOn(Math, 'random').mockReturnValue(random);
      try {
        const pulse = await connectOrFail({
          broker: [`amqp://u:pw@127.0.0.1:${port}`, BROKER_URL],
          namespace: unique('ns'),
          reconnect: FAST_RECONNECT,
        });
        await pulse.close();
      } finally {
        spy.mockRestore();
      }
    },
  );

  it('connectOrFail() fails once every node failed, naming each, without a password', async () => {
    const ports = await closedPorts(2);
    const error = await connectOrFail({
      broker: ports.map((port) => `amqp://u:s3cret@127.0.0.1:${port}`),
      namespace: unique('ns'),
      reconnect: FAST_RECONNECT,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectFailedError);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot connect to any of the 2 broker nodes: /);
    for (const port of ports) expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).not.toContain('s3cret');
  });
});

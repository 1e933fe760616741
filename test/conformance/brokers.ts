/**
 * The two brokers every conformance case runs against: the in-memory broker and the real
 * RabbitMQ (the run's test broker). RabbitMQ is the reference: a case that passes
 * there and fails on the in-memory broker is a bug of the in-memory broker. An unreachable
 * RabbitMQ fails the tests; it is never skipped.
 */

import { connect } from 'amqplib';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import type { BrokerConnection, BrokerTransport } from '../../src/broker/transport.js';
import { BROKER_URL, closeConnectionsNamed } from '../support/rabbitmq.js';
import { uniqueName } from './session.js';

/** A broker under test. */
export interface BrokerUnderTest {
  readonly name: 'memory' | 'rabbitmq';
  readonly transport: BrokerTransport;
  /** The broker closes every connection of `transport` (an operator's action); returns how many. */
  closeConnections(): Promise<number>;
}

function memoryBroker(): BrokerUnderTest {
  const broker = createMemoryBroker();
  return {
    name: 'memory',
    transport: broker.transport(),
    closeConnections: async () => broker.closeConnections(),
  };
}

function rabbitmq(): BrokerUnderTest {
  // Named connections, so that the broker can be told to close exactly these.
  const connectionName = uniqueName('connection');
  // amqplib's connection fits the contract unwrapped: this assignment type-checks that claim.
  const open: () => Promise<BrokerConnection> = () =>
    connect(BROKER_URL, { clientProperties: { connection_name: connectionName } });
  return {
    name: 'rabbitmq',
    transport: { kind: 'amqp', description: 'local RabbitMQ', connect: open },
    closeConnections: () => closeConnectionsNamed(connectionName),
  };
}

/** Both brokers, for `describe.each`. */
export function brokersUnderTest(): BrokerUnderTest[] {
  return [memoryBroker(), rabbitmq()];
}

/**
 * The two brokers every conformance case runs against: the in-memory broker and the real
 * RabbitMQ (PULSE_TEST_URL, or the local one). RabbitMQ is the reference: a case that passes
 * there and fails on the in-memory broker is a bug of the in-memory broker. An unreachable
 * RabbitMQ fails the tests; it is never skipped.
 */

import { connect } from 'amqplib';
import { createMemoryBroker } from '../../src/consumer/memory/memory-broker.js';
import type { Transport, TransportConnection } from '../../src/consumer/transport.js';

/** The RabbitMQ the tests use. */
export const RABBITMQ_URL = process.env.PULSE_TEST_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A broker under test. */
export interface BrokerUnderTest {
  readonly name: 'memory' | 'rabbitmq';
  readonly transport: Transport;
}

function rabbitmqTransport(): Transport {
  // amqplib's connection fits the contract unwrapped: this assignment type-checks that claim.
  const open: () => Promise<TransportConnection> = () => connect(RABBITMQ_URL);
  return { kind: 'amqp', description: 'local RabbitMQ', connect: open };
}

/** Both brokers, for `describe.each`. */
export function brokersUnderTest(): BrokerUnderTest[] {
  return [
    { name: 'memory', transport: createMemoryBroker().transport() },
    { name: 'rabbitmq', transport: rabbitmqTransport() },
  ];
}

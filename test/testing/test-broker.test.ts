/**
 * startTestBroker's choices that need no Docker engine: a running broker named by
 * PULSE_TEST_URL (found, checked with a login, left running on stop), and bad input as one
 * clear TestBrokerError that names the cause and the fix, without the password. The container
 * cases are in test/docker/ (npm run test:docker).
 */

import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { startTestBroker } from '../../src/testing/test-broker.js';
import { TestBrokerError } from '../../src/testing/test-broker-error.js';
import { BROKER_URL, TEST_BROKER } from '../support/rabbitmq.js';

const withPassword = (password: string) => {
  const url = new URL(BROKER_URL);
  url.password = password;
  return url.toString();
};

describe('startTestBroker with PULSE_TEST_URL', () => {
  it('uses that broker, runs rabbitmqctl on it, and leaves it running on stop', async () => {
    const broker = await startTestBroker({ env: TEST_BROKER.environment });
    expect(broker.source).toBe('url');
    expect(broker.url).toBe(BROKER_URL);
    expect(broker.containerId).toBe(TEST_BROKER.containerId);
    expect(await broker.rabbitmqctl('eval', 'node().')).toMatch(/^rabbit@/);
    await broker.stop();
    const connection = await connect(BROKER_URL);
    await connection.close();
  });

  it('wins over PULSE_TEST_BROKER', async () => {
    const broker = await startTestBroker({
      env: { ...TEST_BROKER.environment, PULSE_TEST_BROKER: 'container' },
    });
    expect(broker.source).toBe('url');
  });
});

describe('a test broker that cannot be had is one clear error', () => {
  it.each([
    [
      'a closed port',
      { PULSE_TEST_URL: 'amqp://someone:s3cret-pw@127.0.0.1:1' },
      'url-unreachable',
      /^PULSE_TEST_URL \(amqp:\/\/someone@127\.0\.0\.1:1\) does not accept a login: .*ECONNREFUSED.*; start that broker, or unset PULSE_TEST_URL to use a container or the local RabbitMQ$/,
    ],
    [
      'a wrong password',
      { PULSE_TEST_URL: withPassword('s3cret-pw') },
      'url-unreachable',
      /^PULSE_TEST_URL \(.+\) does not accept a login: .*ACCESS.REFUSED.*; start that broker, or unset PULSE_TEST_URL/,
    ],
    [
      'an unknown PULSE_TEST_BROKER',
      { PULSE_TEST_BROKER: 'docker' },
      'bad-option',
      /^PULSE_TEST_BROKER must be container, local or auto, not "docker"$/,
    ],
  ])('%s', async (_, env, code, message) => {
    const error = await startTestBroker({ env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestBrokerError);
    expect(error).toMatchObject({ name: 'TestBrokerError', code });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret-pw');
  });
});

/**
 * startTestBroker where Docker runs, as a bot author's suite uses it: a container of its own
 * (logged into, rabbitmqctl run inside, removed on stop), each way of failing (a missing image,
 * a Docker engine that does not answer, no broker at all) as one clear error within seconds,
 * the local broker when asked or when Docker is away, and no container left behind: not after a
 * process that exits without stop(), not after a run whose test failed.
 */

import { connect } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker } from '../../src/testing/test-broker.js';
import { TestBrokerError } from '../../src/testing/test-broker-error.js';
import { childEnv, runChild, TSX, testBrokerContainers } from './support.js';

const IMAGE = process.env.PULSE_TEST_IMAGE ?? 'local/rabbitmq:test';
const START_BROKER = 'test/docker/fixtures/start-broker.ts';

afterEach(async () => {
  expect(await testBrokerContainers(), 'no test broker container left').toEqual([]);
});

function lastLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

describe('a container broker', () => {
  it('is started, accepts a login, runs rabbitmqctl inside and is removed on stop', async () => {
    const broker = await startTestBroker({ broker: 'container', image: IMAGE, env: {} });
    try {
      expect(broker.source).toBe('container');
      expect(await testBrokerContainers()).toEqual([broker.containerId]);
      expect(broker.environment).toEqual({
        PULSE_TEST_URL: broker.url,
        PULSE_TEST_CONTAINER: broker.containerId,
      });
      const connection = await connect(broker.url);
      const channel = await connection.createChannel();
      await channel.assertQueue('seen-by-rabbitmqctl', { durable: false });
      await connection.close();
      const queues = await broker.rabbitmqctl('list_queues', '--no-table-headers', 'name');
      expect(queues.split('\n')).toContain('seen-by-rabbitmqctl');
    } finally {
      await broker.stop();
      await broker.stop(); // a second stop is harmless
    }
    await expect(connect(broker.url)).rejects.toThrow();
  });

  it('is handed to another process by its environment, and rabbitmqctl reaches it there', async () => {
    const broker = await startTestBroker({ broker: 'container', image: IMAGE, env: {} });
    try {
      const other = await startTestBroker({ env: broker.environment });
      expect(other.source).toBe('url');
      expect(other.containerId).toBe(broker.containerId);
      expect(await other.rabbitmqctl('eval', 'node().')).toMatch(/^rabbit@/);
      await other.stop(); // the broker it found stays
      const connection = await connect(broker.url);
      await connection.close();
    } finally {
      await broker.stop();
    }
  });

  it('is removed when the process exits without stop()', async () => {
    const result = await runChild(
      [TSX, START_BROKER, '--exit'],
      childEnv({ PULSE_TEST_BROKER: 'container', PULSE_TEST_IMAGE: IMAGE }),
    );
    expect(result.code, result.stderr).toBe(3);
    expect(lastLine(result.stdout)).toMatchObject({ source: 'container', login: true });
  });

  it('is removed after a test run whose test failed', async () => {
    const result = await runChild(
      [
        TSX,
        'node_modules/vitest/vitest.mjs',
        'run',
        '-c',
        'test/docker/fixtures/vitest.failing.config.ts',
      ],
      childEnv({ PULSE_TEST_BROKER: 'container', PULSE_TEST_IMAGE: IMAGE }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('failing on purpose');
  });
});

describe('each failure is one clear error within seconds', () => {
  it('an image that is not there and cannot be pulled', async () => {
    const started = performance.now();
    const error = await startTestBroker({
      broker: 'container',
      image: 'local/no-such-rabbitmq:0',
      env: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestBrokerError);
    expect(error).toMatchObject({ code: 'image-missing' });
    expect((error as Error).message).toMatch(
      /^the image local\/no-such-rabbitmq:0 is not on this machine and cannot be pulled \(.+\): pull or build it, or set PULSE_TEST_IMAGE/,
    );
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it.each([
    [
      'a container, with no Docker engine',
      { PULSE_TEST_BROKER: 'container' },
      'no-docker' as const,
      'no-docker',
      /^PULSE_TEST_BROKER=container, but no Docker engine answers \(.+\): start Docker, or set PULSE_TEST_BROKER=local/,
    ],
    [
      'any broker, with neither Docker nor a local RabbitMQ',
      {},
      'no-docker-no-network' as const,
      'no-broker',
      /^no test broker: no Docker engine answers \(.+\) and no RabbitMQ accepts a login on 127\.0\.0\.1:5672; start Docker, start RabbitMQ \(rabbitmq-server -detached\), or set PULSE_TEST_URL$/,
    ],
  ])('%s', async (_, env, isolation, code, message) => {
    const result = await runChild([TSX, START_BROKER], childEnv(env), isolation);
    expect(result.code, result.stderr).toBe(1);
    const { error } = lastLine(result.stdout) as {
      error: { name: string; code: string; message: string };
    };
    expect(error).toMatchObject({ name: 'TestBrokerError', code });
    expect(error.message).toMatch(message);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(result.ms).toBeLessThan(20_000);
  });
});

describe('the local broker', () => {
  it.each([
    ['when asked for', { PULSE_TEST_BROKER: 'local' }, 'none' as const],
    ['when no Docker engine answers', {}, 'no-docker' as const],
  ])('is used %s', async (_, env, isolation) => {
    const result = await runChild([TSX, START_BROKER], childEnv(env), isolation);
    expect(result.code, result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toEqual({ source: 'local', login: true });
  });
});

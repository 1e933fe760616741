import { describe, expect, it } from 'vitest';
import { connect } from '../../src/consumer/pulse.js';
import { unique, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { fixturePerTest } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

describe('healthProblem', () => {
  it('is undefined while every consumer consumes, and names a queue that cannot be', async () => {
    const f = await setUp();
    const name = unique('mismatch');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    expect(f.pulse.healthProblem).toBeUndefined();
    // A classic queue of that name exists: the consumer's quorum declaration is refused.
    await withRawChannel((channel) => channel.assertQueue(queue, { durable: true }));
    const runner = f.pulse.handle({ queueName: name, bindings: [f.taskBinding({})] }, () => {});
    await expect(runner.ready).rejects.toThrow(/already exists/);
    expect(f.pulse.healthy).toBe(false);
    expect(f.pulse.healthProblem).toMatch(
      new RegExp(
        `^${queue} cannot be consumed: queue "${queue}" already exists with another "x-[a-z-]+" than asked for`,
      ),
    );
    await runner.close();
    expect(f.pulse.healthProblem).toBeUndefined();
  });

  it('says there is no connection, and why, without the password', async () => {
    const pulse = connect({
      broker: 'amqp://someone:hunter2@127.0.0.1:1',
      namespace: 'nobody',
      reconnect: { baseDelay: 50, maxDelay: 50 },
    });
    try {
      await waitFor(() => pulse.healthProblem?.includes('ECONNREFUSED') === true, 'the error');
      expect(pulse.healthProblem).toMatch(
        /^no connection to the broker: cannot connect to amqp:\/\/someone@127\.0\.0\.1:1/,
      );
      expect(pulse.healthProblem).not.toContain('hunter2');
    } finally {
      await pulse.close();
    }
  });
});

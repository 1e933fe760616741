/**
 * `tc-pulse dead list|replay|purge` and `tc-pulse queues show|delete` as child processes
 * against the real RabbitMQ, on a durable queue whose dead letters a failing bot made.
 */

import { describe, expect, it } from 'vitest';
import { fixturePerTest } from '../consumer/fixtures.js';
import { BROKER_URL, queueDepth, unique, waitFor } from '../support/rabbitmq.js';
import { cleanEnv, runCli } from './run-cli.js';

const { setUp, queues } = fixturePerTest();
const env = cleanEnv({ PULSE_URL: BROKER_URL });

/** A durable queue with three dead letters (0 and 2 failed, 1 rejected) and its runner closed. */
async function deadQueue() {
  const f = await setUp();
  const name = unique('cli-dead');
  const queue = `queue/${f.namespace}/${name}`;
  queues.push(queue);
  const runner = f.pulse.handle(
    { queueName: name, bindings: [f.taskBinding({})], maxAttempts: 1 },
    (message) => {
      if (message.payload.n === 1) message.nack(false);
      else throw new Error(`fails ${message.payload.n}`);
    },
  );
  await runner.ready;
  const publisher = f.pulse.publisher();
  for (let n = 0; n < 3; n++) {
    await publisher.publish(f.tasks, {
      payload: { kind: 'task', n },
      routing: { taskId: `t${n}` },
    });
    await waitFor(async () => (await queueDepth(`${queue}/dead`)) === n + 1, `dead letter ${n}`);
  }
  await runner.close();
  const run = (...args: string[]) => runCli([...args, '--namespace', f.namespace], env);
  return { f, name, queue, run };
}

describe('tc-pulse dead', () => {
  it('lists dead letters as text and as JSON, filtered by reason', async () => {
    const { name, queue, run, f } = await deadQueue();
    const text = await run('dead', 'list', '--queue', name);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${queue}/dead: 3 dead letter(s), 3\n`);
    expect(text.stdout).toContain(
      `#1 handler-failed, 1 attempt(s), 1 delivery(ies): ${f.tasks.exchange} primary.t0._._\n  error: fails 0\n  payload (21 bytes): {"kind":"task","n":0}`,
    );
    expect(text.stdout).toContain(`#2 rejected, 0 attempt(s)`);
    const json = await run(
      'dead',
      'list',
      '--queue',
      queue,
      '--reason',
      'handler-failed',
      '--json',
    );
    expect(json.code).toBe(0);
    const listing = JSON.parse(json.stdout);
    expect(listing).toMatchObject({ queue: `${queue}/dead`, scanned: 3, matched: 2 });
    expect(listing.deadLetters.map((d: { position: number }) => d.position)).toEqual([1, 3]);
    expect(await queueDepth(`${queue}/dead`)).toBe(3);
  });

  it('replays by reason and limit, then purges only with --yes', async () => {
    const { name, queue, run } = await deadQueue();
    const replay = await run(
      'dead',
      'replay',
      '--queue',
      name,
      '--reason',
      'handler-failed',
      '--limit',
      '1',
    );
    expect(replay.stdout).toBe(`replayed 1 of 3 dead letter(s) from ${queue}/dead to ${queue}\n`);
    expect(await queueDepth(queue)).toBe(1);
    const refused = await run('dead', 'purge', '--queue', name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `purging would delete 2 dead letter(s) of ${queue}/dead; run again with --yes`,
    );
    expect(await queueDepth(`${queue}/dead`)).toBe(2);
    const purged = await run('dead', 'purge', '--queue', name, '--yes');
    expect(purged.stdout).toBe(`purged 2 dead letter(s) from ${queue}/dead\n`);
    expect(await queueDepth(`${queue}/dead`)).toBe(0);
  });

  it.each([
    [['dead', 'list', '--queue', 'queue/someone-else/bot'], /outside the namespace/],
    [['dead', 'replay', '--queue', 'bot/retry'], /names the retry queue of "bot"/],
    [['dead', 'list', '--queue', 'bot', '--limit', '0'], /expected a positive integer/],
    [
      ['dead', 'replay', '--queue', 'no-such-queue'],
      /queue\/.*\/no-such-queue" does not exist: nothing was replayed/,
    ],
    [['queues', 'show', 'no-such-queue'], /does not exist: nothing to show/],
    [['queues', 'delete', 'queue/someone-else/bot', '--yes'], /outside the namespace/],
  ])('refuses %j with a clear error', async (args, message) => {
    const f = await setUp();
    const result = await runCli([...args, '--namespace', f.namespace], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('tc-pulse queues', () => {
  it('shows a queue with its companions and bindings, and deletes them all only with --yes', async () => {
    const { f, name, queue, run } = await deadQueue();
    const shown = await run('queues', 'show', name);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(
      [
        queue,
        '  ready:     0 (unacknowledged messages are not counted: AMQP does not tell them)',
        '  consumers: 0',
        `  retry:     0 (${queue}/retry)`,
        `  dead:      3 (${queue}/dead)`,
        '  bindings:  1',
        `    ${f.tasks.exchange} primary.*.*.#`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await run('queues', 'show', queue, '--json')).stdout);
    expect(json).toEqual({
      queue,
      ready: 0,
      consumers: 0,
      retry: 0,
      dead: 3,
      bindings: [{ exchange: f.tasks.exchange, routingKeyPattern: 'primary.*.*.#' }],
    });
    const refused = await run('queues', 'delete', name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `deleting ${queue} would delete its /retry, /dead and /bindings queues and 3 message(s)`,
    );
    const deleted = await run('queues', 'delete', name, '--yes');
    expect(deleted.stdout).toBe(
      [
        `deleted ${queue} (0 message(s))`,
        `deleted ${queue}/retry (0 message(s))`,
        `deleted ${queue}/dead (3 message(s))`,
        // The manifest written before binding, and the one that says they were made.
        `deleted ${queue}/bindings (2 message(s))`,
        '',
      ].join('\n'),
    );
    expect((await run('queues', 'show', name)).stderr).toMatch(/does not exist/);
  });

  it('refuses to delete a queue a bot consumes', async () => {
    const f = await setUp();
    const name = unique('cli-busy');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const runner = f.pulse.handle({ queueName: name, bindings: [f.taskBinding({})] }, () => {});
    await runner.ready;
    const result = await runCli(
      ['queues', 'delete', name, '--yes', '--namespace', f.namespace],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`queue "${queue}" has 1 consumer(s): stop them`);
    expect(runner.healthy).toBe(true);
    await runner.close();
  });
});

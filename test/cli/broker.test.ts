/**
 * `tc-pulse listen` and `publish` as child processes against the real RabbitMQ: a message
 * published by one is printed by the other (JSON lines and readable), task-route bindings,
 * durable queues keeping messages while nobody listens, the PULSE_HOST variables, and passwords
 * that never show in any output. Payloads start from `publish --example`, as a user's would.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { slugId } from '../../src/utils/slugid.js';
import {
  BROKER_URL,
  deleteExchanges,
  deleteQueues,
  rabbitmqctl,
  unique,
} from '../support/rabbitmq.js';
import { type CliResult, cleanEnv, runCli, startCli } from './run-cli.js';

const broker = new URL(BROKER_URL);
const PREFIX = `exchange/${unique('cli')}/queue/v1/`;
const EXCHANGE = `${PREFIX}task-completed`;
const env = cleanEnv({ PULSE_URL: BROKER_URL });

function fields(taskGroupId: string, taskId = 'T1'): string[] {
  return [
    '--task-id',
    taskId,
    '--run-id',
    '0',
    '--worker-group',
    'wg',
    '--worker-id',
    'w1',
    '--provisioner-id',
    'prov',
    '--worker-type',
    'ci',
    '--scheduler-id',
    'sched',
    '--task-group-id',
    taskGroupId,
  ];
}

/** The sample `tc-pulse publish queue.taskCompleted --example` printed. */
let example: { workerId: string; status: { taskId: string } };

/** A valid task-completed payload; `workerId` tells messages apart. */
function completed(workerId: string, taskId?: string): object {
  return {
    ...example,
    workerId,
    status: { ...example.status, ...(taskId === undefined ? {} : { taskId }) },
  };
}

function publish(payload: object, extra: string[], environment = env): Promise<CliResult> {
  return runCli(
    [
      'publish',
      'queue.taskCompleted',
      '--exchange-prefix',
      PREFIX,
      '--payload',
      JSON.stringify(payload),
      ...extra,
    ],
    environment,
  );
}

function listen(extra: string[], environment = env) {
  return startCli(
    ['listen', 'queue.taskCompleted', '--exchange-prefix', PREFIX, ...extra],
    environment,
  );
}

function expectOk(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
}

const durable = unique('cli-durable');

beforeAll(async () => {
  const sample = await runCli(['publish', 'queue.taskCompleted', '--example']);
  expectOk(sample);
  example = JSON.parse(sample.stdout);
  // The first publish declares the exchange; nothing is bound yet, so it is returned.
  const first = await publish(example, ['--declare', ...fields('none')]);
  expectOk(first);
  expect(first.stdout).toContain(
    `published to ${EXCHANGE} with routing key primary.T1.0.wg.w1.prov.ci.sched.none._`,
  );
  expect(first.stderr).toContain('no queue is bound');
});

afterAll(async () => {
  const queue = `queue/guest/${durable}`;
  await deleteQueues(queue, `${queue}/dead`, `${queue}/retry`, `${queue}/bindings`);
  await deleteExchanges(EXCHANGE);
});

describe('tc-pulse listen and publish against RabbitMQ', () => {
  it('prints a published message as a JSON line and exits after --count', async () => {
    const group = unique('g');
    const listener = listen(['--task-group-id', group, '--count', '1', '--json']);
    await listener.waitForStderr('listening on');
    expect(listener.stderr()).toContain(
      `listening on ${EXCHANGE} with primary.*.*.*.*.*.*.*.${group}.#`,
    );
    expectOk(await publish(completed('hello'), [...fields(group), '--route', 'index.demo.one']));
    const result = await listener.done;
    expectOk(result);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      exchange: EXCHANGE,
      name: 'queue.taskCompleted',
      routingKey: `primary.T1.0.wg.w1.prov.ci.sched.${group}._`,
      routing: {
        routingKeyKind: 'primary',
        taskId: 'T1',
        runId: '0',
        workerGroup: 'wg',
        workerId: 'w1',
        provisionerId: 'prov',
        workerType: 'ci',
        schedulerId: 'sched',
        taskGroupId: group,
      },
      routes: ['index.demo.one'],
      redelivered: false,
      payload: completed('hello'),
    });
  });

  it('binds on task routes and prints readable blocks', async () => {
    const route = unique('route');
    const listener = listen(['--route', `${route}.#`, '--count', '2']);
    await listener.waitForStderr('listening on');
    expectOk(await publish(completed('n1'), [...fields('g', 'A1'), '--route', `${route}.x`]));
    expectOk(await publish(completed('n2'), [...fields('g', 'A2'), '--route', 'elsewhere']));
    // The payload from a file this time.
    const file = join(await mkdtemp(join(tmpdir(), 'tc-pulse-')), 'payload.json');
    await writeFile(file, JSON.stringify(completed('n3')));
    expectOk(
      await runCli(
        [
          'publish',
          'queue.taskCompleted',
          '--exchange-prefix',
          PREFIX,
          '--payload',
          file,
          ...fields('g', 'A3'),
          '--route',
          `${route}.y.z`,
        ],
        env,
      ),
    );
    await rm(dirname(file), { recursive: true });
    const result = await listener.done;
    expectOk(result);
    expect(result.stdout).toMatch(/queue\.taskCompleted routingKeyKind=primary taskId=A1 runId=0/);
    expect(result.stdout).toContain(`  routes: ${route}.x`);
    expect(result.stdout).toContain('    "workerId": "n1"');
    expect(result.stdout).toContain('    "workerId": "n3"');
    expect(result.stdout).not.toContain('A2');
  });

  it('keeps messages in a durable --queue while nobody listens', async () => {
    const group = unique('g');
    const first = listen(['--queue', durable, '--task-group-id', group, '--json']);
    await first.waitForStderr('listening on');
    first.child.kill('SIGINT');
    expectOk(await first.done);
    expectOk(await publish(completed('whileAway'), fields(group)));
    const second = listen(['--queue', durable, '--task-group-id', group, '--count', '1', '--json']);
    const result = await second.done;
    expectOk(result);
    expect(JSON.parse(result.stdout)).toMatchObject({ payload: { workerId: 'whileAway' } });
  });

  it('connects with PULSE_HOST, PULSE_USERNAME and PULSE_PASSWORD', async () => {
    const hostEnv = cleanEnv({
      PULSE_HOST: `${broker.hostname}:${broker.port || 5672}`,
      PULSE_USERNAME: decodeURIComponent(broker.username),
      PULSE_PASSWORD: decodeURIComponent(broker.password),
      PULSE_PROTOCOL: 'amqp',
    });
    const group = unique('g');
    const listener = listen(['--task-group-id', group, '--count', '1', '--json'], hostEnv);
    await listener.waitForStderr('listening on');
    expectOk(await publish(completed('via-host'), fields(group), hostEnv));
    expect(JSON.parse((await listener.done).stdout)).toMatchObject({
      payload: { workerId: 'via-host' },
    });
  });
});

describe('tc-pulse listen --with-task', () => {
  let server: TaskclusterServer;
  const accessToken = `tok-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: { 'cli-test': { accessToken, scopes: ['queue:get-task:*'] } },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("adds each message's task definition from the deployment, Hawk-signed", async () => {
    const { taskId } = server.queue.defineTask({
      metadata: {
        name: 'the task from the deployment',
        description: 'for tc-pulse',
        owner: 'cli@example.com',
        source: 'https://example.com/cli',
      },
    });
    const group = unique('g');
    const withTaskEnv = cleanEnv({
      PULSE_URL: BROKER_URL,
      TASKCLUSTER_ROOT_URL: server.rootUrl,
      TASKCLUSTER_CLIENT_ID: 'cli-test',
      TASKCLUSTER_ACCESS_TOKEN: accessToken,
    });
    const listener = listen(
      ['--task-group-id', group, '--count', '2', '--json', '--with-task'],
      withTaskEnv,
    );
    await listener.waitForStderr('listening on');
    const unknownTaskId = slugId();
    expectOk(await publish(completed('known', taskId), fields(group, taskId)));
    expectOk(await publish(completed('unknown', unknownTaskId), fields(group, 'x')));
    const result = await listener.done;
    expectOk(result);
    const [known, unknown] = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(known.task.metadata.name).toBe('the task from the deployment');
    // A task the deployment does not know: a warning, and the message is still printed.
    expect(unknown.task).toBeUndefined();
    expect(unknown.payload).toEqual(completed('unknown', unknownTaskId));
    expect(result.stderr).toContain('warning: no task details');
    expect(result.stderr + result.stdout).not.toContain(accessToken);
    const calls = server.requests.filter((r) => r.path.startsWith('/api/queue/v1/task/'));
    expect(calls.map((r) => [r.auth, r.clientId, r.status])).toEqual([
      ['hawk', 'cli-test', 200],
      ['hawk', 'cli-test', 404],
    ]);
  });
});

describe('tc-pulse never prints a Pulse password', () => {
  const user = unique('tcp-cli-user');
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const host = `${broker.hostname}:${broker.port || 5672}`;
  const url = (secret: string) => `amqp://${user}:${secret}@${host}/`;

  beforeAll(async () => {
    await rabbitmqctl('add_user', user, password);
    await rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
  });
  afterAll(async () => {
    await rabbitmqctl('delete_user', user);
  });

  function expectNoSecret(result: CliResult, secret: string): void {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }

  it('not when listening and publishing with it', async () => {
    const group = unique('g');
    const listener = listen(['--url', url(password), '--task-group-id', group, '--count', '1']);
    await listener.waitForStderr('listening on');
    expect(listener.stderr()).toContain(`(amqp://${user}@${host}/%2F)`);
    const published = await publish(
      completed('secret'),
      fields(group),
      cleanEnv({
        PULSE_HOST: host,
        PULSE_USERNAME: user,
        PULSE_PASSWORD: password,
        PULSE_PROTOCOL: 'amqp',
      }),
    );
    expectOk(published);
    expectNoSecret(published, password);
    const result = await listener.done;
    expectOk(result);
    expectNoSecret(result, password);
  });

  it.each([
    ['a wrong password', () => url(`${password}-wrong`), /ACCESS.REFUSED/],
    ['an unreachable broker', () => `amqp://${user}:${password}@127.0.0.1:1/`, /ECONNREFUSED/],
  ])('not in the error for %s', async (_, makeUrl, reason) => {
    const secretUrl = makeUrl();
    const secret = decodeURIComponent(new URL(secretUrl).password);
    const result = await runCli(['listen', 'queue.taskCompleted', '--url', secretUrl], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).toContain(`${user}@`);
    expectNoSecret(result, secret);
  });

  it('not in the error for a URL that does not parse', async () => {
    const result = await runCli([
      'listen',
      'queue.taskCompleted',
      '--url',
      `amqp://u:${password}@[bad`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the broker URL does not parse');
    expectNoSecret(result, password);
  });
});

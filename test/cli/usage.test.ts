/**
 * `tc-pulse` without a broker: help on every command, the exchange listing and bindings, and a
 * clear error with exit status 1 for every kind of bad command line, each line in the one form
 * `tc-pulse: error: ...`, commander's errors included.
 */

import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, runHere } from './run-cli.js';

const FULL_FIELDS = [
  '--task-id',
  'abc',
  '--run-id',
  '0',
  '--worker-group',
  'wg',
  '--worker-id',
  'w',
  '--provisioner-id',
  'p',
  '--worker-type',
  't',
  '--scheduler-id',
  's',
  '--task-group-id',
  'g',
];

describe.concurrent('tc-pulse --help', () => {
  it.each([
    [[], 'Usage: tc-pulse [options] [command]'],
    [['listen'], 'Usage: tc-pulse listen [options] <service.exchange>'],
    [['exchanges'], 'Usage: tc-pulse exchanges [options] [service]'],
    [['binding'], 'Usage: tc-pulse binding [options] <service.exchange>'],
    [['publish'], 'Usage: tc-pulse publish [options] <service.exchange>'],
  ])('%j --help prints its usage and exits 0', async (command, usage) => {
    const result = await runCli([...command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
  });

  it('explains field flags and the connection variables in the help of listen', async () => {
    const { stdout } = await runCli(['listen', '--help']);
    expect(stdout).toContain('--task-group-id');
    expect(stdout).toContain('PULSE_URL');
    expect(stdout).toContain('PULSE_USERNAME');
  });
});

describe.concurrent('tc-pulse exchanges and binding', () => {
  it('lists every service with its exchanges and their fields as flags', async () => {
    const { code, stdout } = await runCli(['exchanges']);
    expect(code).toBe(0);
    for (const service of ['auth', 'github', 'hooks', 'notify', 'queue', 'worker-manager']) {
      expect(stdout).toMatch(new RegExp(`^${service} \\(exchange/taskcluster-`, 'm'));
    }
    expect(stdout).toContain('queue.taskCompleted: Task Completed Messages');
    // Every filter is optional, whatever publish requires; constants are explained.
    expect(stdout).toContain('routingKeyKind=primary [--task-id <word>] [--run-id <word>]');
    expect(stdout).toContain('[--reserved <words>]');
    expect(stdout.split('\n')[0]).toBe(
      'fields: [--flag <word>] an optional filter on one word, [--flag <words>] on dot-separated words; name=value a constant word the binding always fills in',
    );
  });

  it('lists one service as JSON', async () => {
    const { code, stdout } = await runCli(['exchanges', 'queue', '--json']);
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as {
      service: string;
      exchanges: { name: string; exchange: string; routingKey: { name: string }[] }[];
    };
    expect(listing.service).toBe('queue');
    const completed = listing.exchanges.find((e) => e.name === 'taskCompleted')!;
    expect(completed.exchange).toBe('exchange/taskcluster-queue/v1/task-completed');
    expect(completed.routingKey.map((f) => f.name)).toContain('taskGroupId');
  });

  it.each([
    [
      ['queue.taskCompleted', '--task-group-id', 'G1'],
      'exchange/taskcluster-queue/v1/task-completed',
      'primary.*.*.*.*.*.*.*.G1.#',
    ],
    [
      ['queue.task-failed', '--task-id=T1', '--run-id', '2'],
      'exchange/taskcluster-queue/v1/task-failed',
      'primary.T1.2.*.*.*.*.*.*.#',
    ],
    [
      ['queue.taskDefined', '--route', 'index.project.#'],
      'exchange/taskcluster-queue/v1/task-defined',
      'route.index.project.#',
    ],
    [
      ['queue.taskPending', '--exchange-prefix', 'exchange/me/queue/', '--task-id', 'T'],
      'exchange/me/queue/task-pending',
      'primary.T.*.*.*.*.*.*.*.#',
    ],
  ])('binding %j', async (args, exchange, routingKeyPattern) => {
    const { code, stdout } = await runCli(['binding', ...args, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ exchange, routingKeyPattern });
  });

  it('prints the binding readably without --json', async () => {
    const { stdout } = await runCli(['binding', 'queue.taskCompleted', '--task-id', 'X']);
    expect(stdout).toContain('exchange:            exchange/taskcluster-queue/v1/task-completed');
    expect(stdout).toContain('routing key pattern: primary.X.*.*.*.*.*.*.*.#');
  });
});

describe.concurrent('tc-pulse refuses bad command lines with a clear error and exit status 1', () => {
  it('as a process: the message on stderr, nothing on stdout, exit status 1', async () => {
    const result = await runCli(['listen', 'queue.taskCompleted', '--task-grup-id', 'X']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tc-pulse: error: unknown option --task-grup-id');
    expect(result.stdout).toBe('');
    const commander = await runCli(['listen', '--count', 'x', 'queue.taskCompleted']);
    expect(commander.code).toBe(1);
    expect(commander.stderr).toBe(
      "tc-pulse: error: option '--count <n>' argument 'x' is invalid. expected a positive integer (run with --help for usage)\n",
    );
  });

  // An unreachable broker: an error about the command line proves nothing was sent.
  const url = ['--url', 'amqp://user:pw@127.0.0.1:1'];
  const notANumber = ['--run-id', 'notanumber'];
  it.each([
    [['frob'], /^tc-pulse: error: unknown command 'frob' \(run with --help for usage\)$/],
    [['listen'], /^tc-pulse: error: missing required argument 'service.exchange'/],
    [['exchanges', '--bogus'], /^tc-pulse: error: unknown option '--bogus'/],
    [['exchanges', '--jsn'], /^tc-pulse: error: unknown option '--jsn' \(Did you mean --json\?\)/],
    [['exchanges', 'queue', 'auth'], /^tc-pulse: error: too many arguments for 'exchanges'/],
    [
      ['listen', 'queue.taskCompleted', ...notANumber],
      /--run-id must be an integer, not "notanumber": runId is one in queue.taskCompleted messages/,
    ],
    [['binding', 'queue.taskFailed', '--run-id=1.5'], /--run-id must be an integer, not "1.5"/],
    [
      [
        'publish',
        'queue.taskCompleted',
        '--payload',
        '{}',
        ...FULL_FIELDS.map((word, i) => (FULL_FIELDS[i - 1] === '--run-id' ? 'notanumber' : word)),
        ...url,
      ],
      /--run-id must be an integer, not "notanumber"/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--payload', '{"hello":"world"}', ...FULL_FIELDS, ...url],
      /^tc-pulse: error: the payload is not a valid queue.taskCompleted message \(schema \/schemas\/queue\/v1\/task-completed-message.json#\):\ntc-pulse: error: {3}the payload must have required property 'version'\n(.|\n)*tc-pulse: error: {3}the payload must not have the property "hello"$/,
    ],
    [
      [
        'publish',
        'queue.taskCompleted',
        '--payload',
        '{"version":1,"runId":-1,"workerGroup":"wg","workerId":"w","status":{"taskId":"abc","state":"done"}}',
        ...FULL_FIELDS,
        ...url,
      ],
      /runId must be >= 0\n(.|\n)*status must have required property 'provisionerId'(.|\n)*status.state must be one of "unscheduled", "pending", "running", "completed", "failed", "exception"\ntc-pulse: error: {3}status.taskId must match pattern/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--example', '--payload', '{}'],
      /--example prints a sample payload and publishes nothing/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--example', '--task-id', 'x'],
      /--example prints a sample payload and publishes nothing/,
    ],
    [
      ['listen', 'queue.taskCompleted', '--task-grup-id', 'X'],
      /unknown option --task-grup-id.*--task-group-id/,
    ],
    [['listen', 'queue.taskCompleted', '--task-id'], /option --task-id needs a value/],
    [['listen', 'queue.taskCompleted', '--task-id', 'a', '--task-id', 'b'], /given twice/],
    [['listen', 'queue.taskCompleted', 'extra'], /unexpected argument "extra"/],
    [
      ['listen', 'queue.taskCompleted', '--count', 'abc'],
      /--count <n>.*expected a positive integer/,
    ],
    [['listen', 'queue.taskCompleted', '--count', '0'], /expected a positive integer/],
    [['listen', 'nodot'], /is not <service>\.<exchange>/],
    [
      ['listen', 'nosuch.taskCompleted'],
      /unknown service "nosuch"; the services are: auth, github/,
    ],
    [
      ['listen', 'queue.nosuch'],
      /service "queue" has no exchange "nosuch"; its exchanges are: .*taskCompleted/,
    ],
    [['listen', 'queue.taskCompleted', '--task-id', 'a.b'], /single word/],
    [
      ['listen', 'queue.taskCompleted', '--task-id', 'a', '--route', 'x.#'],
      /either routing-key fields or --route/,
    ],
    [['listen', 'queue.taskCompleted'], /no broker: pass --url, or set PULSE_URL/],
    [
      ['listen', 'queue.taskCompleted', '--url', 'http://h/'],
      /must start with amqp:\/\/ or amqps:\/\//,
    ],
    [['listen', 'queue.taskCompleted', '--url', 'amqp://127.0.0.1'], /no namespace/],
    [['binding', 'queue.taskCompleted', '--routing-key-kind', 'secondary'], /constant "primary"/],
    [
      ['listen', 'queue.taskCompleted', '--with-task', ...url],
      /--with-task needs the deployment: no root URL: set TASKCLUSTER_ROOT_URL/,
    ],
    [['exchanges', 'nosuch'], /unknown service "nosuch"/],
    [
      ['publish', 'queue.taskCompleted', ...url],
      /publish needs --payload <file\|json> \(run "tc-pulse publish queue.taskCompleted --example" for a valid one\)/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--payload', '{nope', ...url],
      /payload in the --payload value is not JSON/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--payload', 'missing.json', ...url],
      /cannot read the payload from file "missing.json"/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--payload', '{}', ...url],
      /routing-key field "taskId" is required/,
    ],
    [
      ['publish', 'queue.taskCompleted', '--payload', '{}', ...FULL_FIELDS, '--bogus', 'x', ...url],
      /unknown option --bogus/,
    ],
  ])('%j', async (args, message) => {
    const result = await runHere(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    for (const line of result.stderr.split('\n')) expect(line).toMatch(/^tc-pulse: error: /);
    expect(result.stdout).toBe('');
  });

  it('needs both PULSE_USERNAME and PULSE_PASSWORD with PULSE_HOST', async () => {
    const result = await runHere(
      ['listen', 'queue.taskCompleted'],
      cleanEnv({ PULSE_HOST: '127.0.0.1:1', PULSE_USERNAME: 'me' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PULSE_HOST needs PULSE_USERNAME and PULSE_PASSWORD');
  });

  it('refuses a PULSE_PROTOCOL that is neither amqp nor amqps', async () => {
    const result = await runHere(
      ['listen', 'queue.taskCompleted'],
      cleanEnv({
        PULSE_HOST: '127.0.0.1:1',
        PULSE_USERNAME: 'me',
        PULSE_PASSWORD: 'pw',
        PULSE_PROTOCOL: 'http',
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PULSE_PROTOCOL must be amqp or amqps, got "http"');
  });

  it.each([
    [{}, 'amqps://me@127.0.0.1:1/'],
    [{ PULSE_PROTOCOL: 'amqp' }, 'amqp://me@127.0.0.1:1/'],
  ])('PULSE_HOST on a port other than 5672 with %j connects with %s', async (extra, shown) => {
    const result = await runHere(
      ['listen', 'queue.taskCompleted'],
      cleanEnv({ PULSE_HOST: '127.0.0.1:1', PULSE_USERNAME: 'me', PULSE_PASSWORD: 'pw', ...extra }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot connect to ${shown}`);
  });
});

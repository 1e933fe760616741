/**
 * `tc-pulse` without a broker: help on every command, the exchange listing and bindings, and a
 * clear error with exit status 1 for every kind of bad command line.
 */

import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/io.js';
import { runCli as runInProcess } from '../../src/cli/program.js';
import { type CliResult, cleanEnv, runCli } from './run-cli.js';

/** Runs the command line in this process, with its output captured (for the many error cases). */
async function runHere(args: readonly string[], env = cleanEnv()): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    onStop() {},
  };
  const code = await runInProcess(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

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
    expect(stdout).toContain('routingKeyKind=primary --task-id <word>');
    expect(stdout).toContain('[--reserved <words>]');
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
    expect(commander.stderr).toContain('expected a positive integer');
  });

  const url = ['--url', 'amqp://user:pw@127.0.0.1:1'];
  it.each([
    [['frob'], /unknown command 'frob'/],
    [['listen'], /missing required argument 'service.exchange'/],
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
      /required option '--payload <file\|json>' not specified/,
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

/**
 * The `tc-pulse` command line: its commands and options (commander), each command's `--help`,
 * and one way of reporting errors, commander's and the commands' own alike: lines of the form
 * `tc-pulse: error: <message>` on standard error, exit status 1.
 */

import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TaskclusterPulseError } from '../errors.js';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from './dead.js';
import { listExchanges, printBinding } from './exchanges.js';
import type { CommandIo } from './io.js';
import { listen } from './listen.js';
import { publish } from './publish.js';
import { deleteQueue, showQueue } from './queues.js';

/** The package version `--version` prints (package.json is two levels up in src/ and dist/). */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const FIELDS_HELP = `
Routing-key fields are given as kebab-case flags: taskGroupId is --task-group-id.
Run "tc-pulse exchanges <service>" to see each exchange's fields.`;

const PUBLISH_HELP = `
The payload must match the exchange's message schema, and field flags the types the message
gives them (--run-id is an integer); either is checked before connecting.`;

const CONNECTION_HELP = `
Connection: --url, else PULSE_URL, else PULSE_HOST (host[:port]) with PULSE_USERNAME,
PULSE_PASSWORD, PULSE_VHOST and PULSE_PROTOCOL (amqps unless the port is 5672). The namespace (Pulse user owning the queue) is --namespace,
else the URL's user, else PULSE_USERNAME. Passwords are never printed.`;

const TASKCLUSTER_HELP = `
--with-task calls the queue of TASKCLUSTER_ROOT_URL, with TASKCLUSTER_CLIENT_ID,
TASKCLUSTER_ACCESS_TOKEN and TASKCLUSTER_CERTIFICATE when set.`;

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return number;
}

/** The prefix of every error line. */
const ERROR_PREFIX = 'tc-pulse: error: ';

/** A message as error lines, each with the prefix (a schema's findings are one a line). */
function errorLines(message: string): string {
  return message
    .split('\n')
    .map((line) => ERROR_PREFIX + line)
    .join('\n');
}

/**
 * Commander's own errors (unknown commands and options, missing arguments, bad values) in the
 * form of every other error: on one line (a "Did you mean" suggestion included), with the hint
 * its help would have added.
 */
function commanderError(text: string): string {
  const message = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ');
  return errorLines(`${message} (run with --help for usage)`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The broker's options: every command that connects takes them. */
function brokerOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'broker URL, amqp[s]://user:password@host[:port]/vhost'))
    .option('--namespace <user>', 'the Pulse user owning queues')
    .addHelpText('after', CONNECTION_HELP);
}

function connectionOptions(command: Command): Command {
  return brokerOptions(command).option(
    '--exchange-prefix <prefix>',
    "replace the service's exchange prefix",
  );
}

const DEAD_HELP = `
Reasons: handler-failed, retry-delay-failed, poison (not-json, wrong-content-type,
unknown-exchange, bad-routing-key, schema-mismatch, too-large), and what RabbitMQ says of a
message it dead-lettered itself (delivery_limit, maxlen, rejected, expired).`;

/** A `dead` subcommand: the queue, the broker, and a reason filter with a limit if asked. */
function deadCommand(parent: Command, name: string, description: string, filter: boolean) {
  const command = brokerOptions(
    parent
      .command(name)
      .description(description)
      .requiredOption('--queue <name>', 'the durable queue (queue/<namespace>/<name>)')
      .option('--json', 'as JSON'),
  );
  if (!filter) return command;
  return command
    .option('--reason <reason>', 'only dead letters with this reason')
    .option('--limit <n>', 'at most n dead letters', positiveInteger)
    .addHelpText('after', DEAD_HELP);
}

/** Builds the program; `io` is where it reads and writes. */
export function createProgram(io: CommandIo): Command {
  const program = new Command('tc-pulse')
    .description('Listen to, inspect and publish Taskcluster Pulse messages.')
    .version(CLI_VERSION)
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
      outputError: (text) => io.err(commanderError(text)),
    })
    .exitOverride();

  connectionOptions(
    program
      .command('listen')
      .description('bind a queue to an exchange and print its messages as they arrive')
      .argument('<service.exchange>', 'e.g. queue.taskCompleted')
      .option('--route <pattern>', 'bind on task routes (route.<pattern>) instead of fields')
      .option('--queue <name>', 'a durable queue queue/<namespace>/<name> (default: exclusive)')
      .option('--count <n>', 'exit after n messages', positiveInteger)
      .option('--json', 'one JSON object per line')
      .option('--with-task', "add each message's task definition (from TASKCLUSTER_ROOT_URL)")
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText('after', FIELDS_HELP + TASKCLUSTER_HELP),
  ).action((reference: string, options, command: Command) =>
    listen(reference, command.args.slice(1), options, io),
  );

  program
    .command('exchanges')
    .description('list exchanges and their routing-key fields')
    .argument('[service]', 'one service, e.g. queue')
    .option('--json', 'as JSON')
    .action((service: string | undefined, options) => listExchanges(service, options, io));

  program
    .command('binding')
    .description('print the binding (exchange and routing-key pattern) a filter makes')
    .argument('<service.exchange>', 'e.g. queue.taskCompleted')
    .option('--route <pattern>', 'a binding on task routes (route.<pattern>)')
    .option('--exchange-prefix <prefix>', "replace the service's exchange prefix")
    .option('--json', 'as JSON')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', FIELDS_HELP)
    .action((reference: string, options, command: Command) =>
      printBinding(reference, command.args.slice(1), options, io),
    );

  connectionOptions(
    program
      .command('publish')
      .description('publish a test message, waiting for the broker to confirm it')
      .argument('<service.exchange>', 'e.g. queue.taskCompleted')
      .option('--payload <file|json>', 'the JSON payload: inline, a file, or - for stdin')
      .option('--example', 'print a sample payload that the message schema admits, publish nothing')
      .option('--route <route>', 'a task route to CC (repeatable)', collect)
      .option('--declare', 'declare the exchange first (a local broker, not Pulse)')
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText('after', PUBLISH_HELP + FIELDS_HELP),
  ).action((reference: string, options, command: Command) =>
    publish(reference, command.args.slice(1), options, io),
  );

  const dead = program
    .command('dead')
    .description("a durable queue's dead letters: list, replay to the queue, purge");
  deadCommand(
    dead,
    'list',
    'describe the dead letters (reason, error, attempts, origin, payload), leaving them in place',
    true,
  ).action((options) => listDeadLetters(options, io));
  deadCommand(
    dead,
    'replay',
    'send dead letters back to the work queue with their attempts reset',
    true,
  ).action((options) => replayDeadLetters(options, io));
  deadCommand(dead, 'purge', 'delete every dead letter', false)
    .option('--yes', 'really delete them (without it, only says how many)')
    .action((options) => purgeDeadLetters(options, io));

  const queues = program
    .command('queues')
    .description('a durable queue of your namespace with its /retry, /dead and /bindings');
  brokerOptions(
    queues
      .command('show')
      .description('messages, consumers, retries, dead letters and bindings of a durable queue')
      .argument('<name>', 'the queue, queue/<namespace>/<name> or <name>')
      .option('--json', 'as JSON'),
  ).action((name: string, options) => showQueue(name, options, io));
  brokerOptions(
    queues
      .command('delete')
      .description('delete a durable queue with its /retry, /dead and /bindings queues')
      .argument('<name>', 'the queue, queue/<namespace>/<name> or <name>')
      .option('--yes', 'really delete them (without it, only says what would go)')
      .option('--json', 'as JSON'),
  ).action((name: string, options) => deleteQueue(name, options, io));

  return program;
}

/** Runs the command line; resolves with the exit status. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    await createProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its message (or the help) already.
      return error.exitCode;
    }
    const message =
      error instanceof TaskclusterPulseError || error instanceof Error
        ? error.message
        : String(error);
    io.err(errorLines(message));
    return 1;
  }
}

/**
 * The `tc-pulse` command line: its commands and options (commander), each command's `--help`,
 * and one way of reporting errors: `tc-pulse: error: <message>` on standard error, exit status 1.
 */

import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TaskclusterPulseError } from '../errors.js';
import { listExchanges, printBinding } from './exchanges.js';
import type { CommandIo } from './io.js';
import { listen } from './listen.js';
import { publish } from './publish.js';

/** The connection name `tc-pulse` shows in the broker's connection list. */
export const CLI_CONNECTION_NAME = 'tc-pulse';

/** The package version `--version` prints (package.json is two levels up in src/ and dist/). */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const FIELDS_HELP = `
Routing-key fields are given as kebab-case flags: taskGroupId is --task-group-id.
Run "tc-pulse exchanges <service>" to see each exchange's fields.`;

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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function connectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'broker URL, amqp[s]://user:password@host[:port]/vhost'))
    .option('--namespace <user>', 'the Pulse user owning queues')
    .option('--exchange-prefix <prefix>', "replace the service's exchange prefix");
}

/** Builds the program; `io` is where it reads and writes. */
export function createProgram(io: CommandIo): Command {
  const program = new Command('tc-pulse')
    .description('Listen to, inspect and publish Taskcluster Pulse messages.')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
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
      .addHelpText('after', FIELDS_HELP + CONNECTION_HELP + TASKCLUSTER_HELP),
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
      .requiredOption('--payload <file|json>', 'the JSON payload: inline, a file, or - for stdin')
      .option('--route <route>', 'a task route to CC (repeatable)', collect)
      .option('--declare', 'declare the exchange first (a local broker, not Pulse)')
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText('after', FIELDS_HELP + CONNECTION_HELP),
  ).action((reference: string, options, command: Command) =>
    publish(reference, command.args.slice(1), options, io),
  );

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
    io.err(`tc-pulse: error: ${message}`);
    return 1;
  }
}

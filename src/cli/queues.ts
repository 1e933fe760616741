/**
 * `tc-pulse queues show|delete <name>`: a durable queue of the caller's namespace with its
 * companions, through `PulseClient.durableQueue()`. Deleting asks for `--yes`, and refuses a
 * queue that has consumers (they would make it again).
 */

import { connectOrFail } from '../consumer/connect-or-fail.js';
import type { DurableQueue, QueueReport } from '../consumer/durable-queue.js';
import { ownQueueNames } from '../consumer/names.js';
import type { PulseClient } from '../consumer/pulse.js';
import { CLI_CONNECTION_NAME, chooseBroker } from './broker.js';
import { CliUsageError } from './errors.js';
import type { CommandIo } from './io.js';

/** Options of the `queues` commands. */
export interface QueuesCommandOptions {
  url?: string;
  namespace?: string;
  json?: boolean;
  yes?: boolean;
}

async function withQueue(
  name: string,
  options: QueuesCommandOptions,
  io: CommandIo,
  work: (queue: DurableQueue) => Promise<void>,
): Promise<void> {
  const choice = chooseBroker(options, io.env);
  // A name outside the namespace is refused before connecting.
  ownQueueNames(choice.namespace, name);
  let pulse: PulseClient | undefined;
  try {
    pulse = await connectOrFail({ ...choice, connectionName: CLI_CONNECTION_NAME });
    await work(pulse.durableQueue(name));
  } finally {
    await pulse?.close();
  }
}

const count = (n: number | undefined) => (n === undefined ? 'no such queue' : String(n));

/** A queue report as readable lines. */
function describe(report: QueueReport, queue: DurableQueue): string[] {
  const lines = [
    report.queue,
    `  ready:     ${report.ready} (unacknowledged messages are not counted: AMQP does not tell them)`,
    `  consumers: ${report.consumers}`,
    `  retry:     ${count(report.retry)} (${queue.names.retry})`,
    `  dead:      ${count(report.dead)} (${queue.names.dead})`,
  ];
  if (report.bindings === undefined) lines.push('  bindings:  none recorded');
  else {
    lines.push(`  bindings:  ${report.bindings.length}`);
    for (const binding of report.bindings) {
      lines.push(`    ${binding.exchange} ${binding.routingKeyPattern}`);
    }
  }
  return lines;
}

/** Runs `queues show`. */
export function showQueue(name: string, options: QueuesCommandOptions, io: CommandIo) {
  return withQueue(name, options, io, async (queue) => {
    const report = await queue.inspect();
    if (options.json) io.out(JSON.stringify(report));
    else for (const line of describe(report, queue)) io.out(line);
  });
}

/** Runs `queues delete`: without `--yes`, shows what it would delete and deletes nothing. */
export function deleteQueue(name: string, options: QueuesCommandOptions, io: CommandIo) {
  return withQueue(name, options, io, async (queue) => {
    if (!options.yes) {
      const report = await queue.inspect();
      const held = report.ready + (report.retry ?? 0) + (report.dead ?? 0);
      throw new CliUsageError(
        `deleting ${report.queue} would delete its /retry, /dead and /bindings queues and ${held} message(s) (${report.ready} ready, ${report.retry ?? 0} waiting for a retry, ${report.dead ?? 0} dead); run again with --yes to delete them`,
      );
    }
    const deletion = await queue.delete();
    if (options.json) {
      io.out(JSON.stringify(deletion));
      return;
    }
    for (const [deleted, messages] of Object.entries(deletion.messages)) {
      io.out(`deleted ${deleted} (${messages} message(s))`);
    }
  });
}

/**
 * `tc-pulse dead list|replay|purge --queue <name>`: a durable queue's dead letters, through
 * `PulseClient.deadLetters()`. Listing hands every message back in its place; replaying acks a
 * dead letter only once its copy is confirmed in the work queue; purging asks for `--yes`.
 */

import { connectOrFail } from '../consumer/connect-or-fail.js';
import type { DeadLetter, DeadLetterFilter, DeadLetterQueue } from '../consumer/dead-letters.js';
import { ownQueueNames } from '../consumer/names.js';
import type { PulseClient } from '../consumer/pulse.js';
import { CLI_CONNECTION_NAME, chooseBroker } from './broker.js';
import { CliUsageError } from './errors.js';
import type { CommandIo } from './io.js';

/** Options of the `dead` commands. */
export interface DeadCommandOptions {
  url?: string;
  namespace?: string;
  queue: string;
  reason?: string;
  limit?: number;
  json?: boolean;
  yes?: boolean;
}

/** Runs `work` on the dead letters of `--queue`, on a connection closed afterwards. */
async function withDeadLetters(
  options: DeadCommandOptions,
  io: CommandIo,
  work: (dead: DeadLetterQueue) => Promise<void>,
): Promise<void> {
  const choice = chooseBroker(options, io.env);
  // A name outside the namespace is refused before connecting.
  ownQueueNames(choice.namespace, options.queue);
  let pulse: PulseClient | undefined;
  try {
    pulse = await connectOrFail({ ...choice, connectionName: CLI_CONNECTION_NAME });
    await work(pulse.deadLetters(options.queue));
  } finally {
    await pulse?.close();
  }
}

function filterOf(options: DeadCommandOptions): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (options.reason !== undefined) filter.reason = options.reason;
  if (options.limit !== undefined) filter.limit = options.limit;
  return filter;
}

/** Runs `dead list`. */
export function listDeadLetters(options: DeadCommandOptions, io: CommandIo): Promise<void> {
  return withDeadLetters(options, io, async (dead) => {
    const listing = await dead.list(filterOf(options));
    if (options.json) {
      io.out(JSON.stringify(listing));
      return;
    }
    const which = options.reason === undefined ? '' : ` with reason ${options.reason}`;
    const shown =
      listing.deadLetters.length < listing.matched
        ? ` (the first ${listing.deadLetters.length} shown)`
        : '';
    io.out(
      `${listing.queue}: ${listing.scanned} dead letter(s), ${listing.matched}${which}${shown}`,
    );
    for (const letter of listing.deadLetters) io.out(describe(letter));
  });
}

/** A dead letter as a readable block. */
function describe(letter: DeadLetter): string {
  const origin = `${letter.exchange ?? '(exchange unknown)'} ${letter.routingKey ?? ''}`.trim();
  const lines = [
    `#${letter.position} ${letter.reason}, ${letter.attempts} attempt(s), ${letter.deliveries} delivery(ies): ${origin}`,
  ];
  if (letter.error !== undefined) lines.push(`  error: ${oneLine(letter.error)}`);
  lines.push(`  payload (${letter.bytes} bytes): ${letter.preview}`);
  return lines.join('\n');
}

/** An error text on one line, so that a listing stays one block per dead letter. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ');
}

/** Runs `dead replay`. */
export function replayDeadLetters(options: DeadCommandOptions, io: CommandIo): Promise<void> {
  return withDeadLetters(options, io, async (dead) => {
    const result = await dead.replay(filterOf(options));
    if (options.json) io.out(JSON.stringify(result));
    else {
      io.out(
        `replayed ${result.replayed} of ${result.scanned} dead letter(s) from ${result.queue} to ${result.target}`,
      );
    }
  });
}

/** Runs `dead purge`: without `--yes`, says how many it would delete and deletes nothing. */
export function purgeDeadLetters(options: DeadCommandOptions, io: CommandIo): Promise<void> {
  return withDeadLetters(options, io, async (dead) => {
    if (!options.yes) {
      const count = await dead.count();
      throw new CliUsageError(
        `purging would delete ${count} dead letter(s) of ${dead.queue}; run again with --yes to delete them`,
      );
    }
    const purged = await dead.purge();
    if (options.json) io.out(JSON.stringify({ queue: dead.queue, purged }));
    else io.out(`purged ${purged} dead letter(s) from ${dead.queue}`);
  });
}

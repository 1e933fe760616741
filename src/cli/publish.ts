/**
 * `tc-pulse publish <service>.<exchange> --payload <file|json>`: publishes one test message with
 * the routing-key fields given as flags and task routes as `--route` (CC'd as `route.<route>`),
 * waiting for the broker's confirm. `--declare` declares the exchange first (on a local broker;
 * Pulse only lets a user declare exchanges under `exchange/<user>/`). The payload and the fields
 * are checked against the exchange's message schema before connecting; `--example` prints a
 * payload the schema admits instead of publishing.
 */

import { readFileSync } from 'node:fs';
import { connectOrFail } from '../consumer/connect-or-fail.js';
import { buildRoutingKey } from '../exchanges/routing-key-builder.js';
import { CLI_CONNECTION_NAME, chooseBroker } from './broker.js';
import { CliUsageError } from './errors.js';
import { resolveExchange } from './exchange-reference.js';
import { parseFieldFlags } from './fields.js';
import type { CommandIo } from './io.js';
import { checkFieldValues, checkPayload, examplePayload, messageSchemaOf } from './messages.js';

/** Options of `publish`. */
export interface PublishCommandOptions {
  url?: string;
  namespace?: string;
  exchangePrefix?: string;
  payload?: string;
  route?: string[];
  declare?: boolean;
  /** Print a sample payload and publish nothing. */
  example?: boolean;
}

/** The payload: inline JSON (starting with `{` or `[`), `-` for standard input, or a file. */
async function readPayload(source: string): Promise<unknown> {
  const trimmed = source.trim();
  let text: string;
  let origin: string;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    text = trimmed;
    origin = 'the --payload value';
  } else {
    origin = source === '-' ? 'standard input' : `file "${source}"`;
    try {
      // Standard input is file descriptor 0.
      text = readFileSync(source === '-' ? 0 : source, 'utf8');
    } catch (error) {
      throw new CliUsageError(`cannot read the payload from ${origin}`, { cause: error });
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`the payload in ${origin} is not JSON`, { cause: error });
  }
}

/** Runs `publish`. */
export async function publish(
  reference: string,
  fieldWords: readonly string[],
  options: PublishCommandOptions,
  io: CommandIo,
): Promise<void> {
  const target = resolveExchange(reference, options.exchangePrefix);
  const routing = parseFieldFlags(fieldWords, target.entry.routingKey, reference);
  if (options.example) {
    // Anything else given would be silently ignored: refuse it instead.
    if (
      options.payload !== undefined ||
      options.route !== undefined ||
      options.declare ||
      Object.keys(routing).length > 0
    ) {
      throw new CliUsageError(
        '--example prints a sample payload and publishes nothing: leave out --payload, --route, --declare and routing-key fields',
      );
    }
    io.out(JSON.stringify(examplePayload(await messageSchemaOf(target)), null, 2));
    return;
  }
  if (options.payload === undefined) {
    throw new CliUsageError(
      `publish needs --payload <file|json> (run "tc-pulse publish ${reference} --example" for a valid one)`,
    );
  }
  const payload = await readPayload(options.payload);
  // Built here too, to refuse a bad key before connecting and to print it.
  const routingKey = buildRoutingKey(target.entry.routingKey, routing);
  const schema = await messageSchemaOf(target);
  checkFieldValues(schema, routing);
  checkPayload(schema, payload);
  const pulse = await connectOrFail({
    ...chooseBroker(options, io.env),
    connectionName: CLI_CONNECTION_NAME,
  });
  try {
    const publisher = pulse.publisher();
    if (options.declare) await publisher.declareExchange(target.exchange);
    const { routed } = await publisher.publish(
      { exchange: target.exchange, routingKey: target.entry.routingKey },
      { payload, routing, routes: options.route ?? [], mandatory: true },
    );
    io.out(`published to ${target.exchange} with routing key ${routingKey}`);
    if (!routed) io.err('warning: no queue is bound to receive this message; it was returned');
  } finally {
    await pulse.close();
  }
}

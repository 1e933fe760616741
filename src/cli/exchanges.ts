/**
 * `tc-pulse exchanges [service]` lists exchanges with their routing-key fields (as the flags
 * `listen`, `binding` and `publish` take them); `tc-pulse binding <service>.<exchange>` prints
 * the binding a filter makes. Neither connects to a broker.
 */

import { EXCHANGE_SERVICE_NAMES } from '../exchanges/catalog.js';
import type { RoutingKeyField } from '../exchanges/types.js';
import { bindingOfFlags } from './binding-flags.js';
import { eventsOf } from './exchange-reference.js';
import { flagOf } from './fields.js';
import type { CommandIo } from './io.js';

/**
 * What the field notation of the listing means. Every filter is optional: a field left out
 * matches any value (publish needs the fields the exchange requires, and says which are missing).
 */
export const FIELDS_LEGEND =
  'fields: [--flag <word>] an optional filter on one word, [--flag <words>] on dot-separated words; name=value a constant word the binding always fills in';

function describeField(field: RoutingKeyField): string {
  if (field.constant !== undefined) return `${field.name}=${field.constant}`;
  const flag = flagOf(field.name);
  return field.multipleWords ? `[${flag} <words>]` : `[${flag} <word>]`;
}

/** Runs `exchanges`. */
export function listExchanges(
  service: string | undefined,
  options: { json?: boolean },
  io: CommandIo,
): void {
  const services = service === undefined ? EXCHANGE_SERVICE_NAMES : [service];
  const listing = services.map((name) => {
    const events = eventsOf(name);
    return {
      service: name,
      exchangePrefix: events.exchangePrefix,
      exchanges: events.table.entries.map((entry) => ({
        name: entry.name,
        exchange: events.exchangePrefix + entry.exchange,
        title: entry.title,
        routingKey: entry.routingKey,
      })),
    };
  });
  if (options.json) {
    io.out(JSON.stringify(service === undefined ? listing : listing[0]));
    return;
  }
  io.out(FIELDS_LEGEND);
  for (const { service: name, exchangePrefix, exchanges } of listing) {
    io.out(`${name} (${exchangePrefix})`);
    for (const exchange of exchanges) {
      io.out(`  ${name}.${exchange.name}: ${exchange.title}`);
      io.out(`      ${exchange.routingKey.map(describeField).join(' ')}`);
    }
  }
}

/** Runs `binding`. */
export async function printBinding(
  reference: string,
  fieldWords: readonly string[],
  options: { route?: string; exchangePrefix?: string; json?: boolean },
  io: CommandIo,
): Promise<void> {
  const binding = await bindingOfFlags(reference, fieldWords, options);
  if (options.json) {
    io.out(
      JSON.stringify({ exchange: binding.exchange, routingKeyPattern: binding.routingKeyPattern }),
    );
  } else {
    io.out(`exchange:            ${binding.exchange}`);
    io.out(`routing key pattern: ${binding.routingKeyPattern}`);
  }
}

/**
 * `<service>.<exchange>` references (`queue.taskCompleted`) to an exchange of the services
 * `tc-pulse` knows.
 */

import { EXCHANGE_SERVICE_NAMES, eventsClientOf } from '../exchanges/catalog.js';
import type { EventsClient, ExchangeMethod } from '../exchanges/events.js';
import type { ExchangeEntry } from '../exchanges/types.js';
import { CliUsageError } from './errors.js';

/** One exchange, resolved from a `<service>.<exchange>` reference. */
export interface ResolvedExchange {
  readonly service: string;
  readonly entry: ExchangeEntry;
  /** The full exchange name (prefix included). */
  readonly exchange: string;
  /** The exchange's binding method. */
  readonly method: ExchangeMethod<unknown, Record<string, string | undefined>>;
}

/** The events instance of a service, with an optional exchange prefix. */
export function eventsOf(service: string, exchangePrefix?: string): EventsClient {
  const events = eventsClientOf(service, exchangePrefix);
  if (events === undefined) {
    throw new CliUsageError(
      `unknown service "${service}"; the services are: ${EXCHANGE_SERVICE_NAMES.join(', ')}`,
    );
  }
  return events;
}

/** Resolves `queue.taskCompleted` (the exchange's method name; its `task-completed` name too). */
export function resolveExchange(reference: string, exchangePrefix?: string): ResolvedExchange {
  const dot = reference.indexOf('.');
  if (dot <= 0 || dot === reference.length - 1) {
    throw new CliUsageError(
      `"${reference}" is not <service>.<exchange> (for example queue.taskCompleted)`,
    );
  }
  const service = reference.slice(0, dot);
  const name = reference.slice(dot + 1);
  const events = eventsOf(service, exchangePrefix);
  const entry = events.table.entries.find((e) => e.name === name || e.exchange === name);
  if (entry === undefined) {
    throw new CliUsageError(
      `service "${service}" has no exchange "${name}"; its exchanges are: ${events.table.entries.map((e) => e.name).join(', ')}`,
    );
  }
  const method = (events as unknown as Record<string, ResolvedExchange['method']>)[entry.name]!;
  return { service, entry, exchange: method.exchange, method };
}

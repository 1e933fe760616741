/**
 * The exchange services by name, for code that is told a service at run time (`tc-pulse listen
 * queue.taskCompleted`): their events classes, and the message schemas of each, loaded on first
 * use. Both tables are generated from the references the exchanges are.
 */

import type { EventsClass, EventsClient } from './events.js';
import { eventsClasses } from './generated/catalog.js';
import { messageSchemaLoaders } from './generated/message-schemas.js';
import type { MessageSchemas } from './types.js';

/** The names of the exchange services (`queue`, `worker-manager`, ...), sorted. */
export const EXCHANGE_SERVICE_NAMES: readonly string[] = Object.keys(eventsClasses).sort();

/** An events instance of service `name`, with an optional exchange prefix. */
export function eventsClientOf(name: string, exchangePrefix?: string): EventsClient | undefined {
  if (!Object.hasOwn(eventsClasses, name)) return undefined;
  const Events: EventsClass<unknown> = eventsClasses[name as keyof typeof eventsClasses];
  return exchangePrefix === undefined ? new Events() : new Events({ exchangePrefix });
}

/** Loads the message schemas of service `name` (one module per service), if it has any. */
export async function loadMessageSchemas(name: string): Promise<MessageSchemas | undefined> {
  const load = Object.hasOwn(messageSchemaLoaders, name) ? messageSchemaLoaders[name] : undefined;
  return load === undefined ? undefined : await load();
}

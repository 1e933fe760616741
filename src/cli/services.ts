/**
 * The exchange services `tc-pulse` knows, and `<service>.<exchange>` references to one of their
 * exchanges (`queue.taskCompleted`).
 */

import type { EventsClient, ExchangeMethod } from '../exchanges/events.js';
import { AuthEvents } from '../exchanges/generated/auth-events.js';
import { GithubEvents } from '../exchanges/generated/github-events.js';
import { HooksEvents } from '../exchanges/generated/hooks-events.js';
import { NotifyEvents } from '../exchanges/generated/notify-events.js';
import { QueueEvents } from '../exchanges/generated/queue-events.js';
import { TreeherderEvents } from '../exchanges/generated/treeherder-events.js';
import { WorkerManagerEvents } from '../exchanges/generated/worker-manager-events.js';
import { taskRouteBinding } from '../exchanges/routing-key.js';
import type { Binding, ExchangeEntry } from '../exchanges/types.js';
import { CliUsageError } from './errors.js';
import { parseFieldFlags } from './fields.js';
import { checkFieldValues, messageSchemaOf } from './messages.js';

/** The events classes by service name (the tables' `serviceName`). */
const SERVICES = {
  auth: AuthEvents,
  github: GithubEvents,
  hooks: HooksEvents,
  notify: NotifyEvents,
  queue: QueueEvents,
  treeherder: TreeherderEvents,
  'worker-manager': WorkerManagerEvents,
} as const;

/** The names of the known exchange services, sorted. */
export const SERVICE_NAMES: readonly string[] = Object.keys(SERVICES).sort();

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
  if (!Object.hasOwn(SERVICES, service)) {
    throw new CliUsageError(
      `unknown service "${service}"; the services are: ${SERVICE_NAMES.join(', ')}`,
    );
  }
  const Events = SERVICES[service as keyof typeof SERVICES];
  return exchangePrefix === undefined ? new Events() : new Events({ exchangePrefix });
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

/**
 * The binding a command line asks for: `<service>.<exchange>` with routing-key field flags
 * (each checked against the message's type for it), or with `--route` (a task-route binding);
 * both at once is a usage error.
 */
export async function bindingOfFlags(
  reference: string,
  fieldWords: readonly string[],
  options: { route?: string | undefined; exchangePrefix?: string | undefined },
): Promise<Binding> {
  const target = resolveExchange(reference, options.exchangePrefix);
  const fields = parseFieldFlags(fieldWords, target.entry.routingKey, reference);
  if (options.route !== undefined && Object.keys(fields).length > 0) {
    throw new CliUsageError('give either routing-key fields or --route, not both');
  }
  if (Object.keys(fields).length > 0) checkFieldValues(await messageSchemaOf(target), fields);
  return options.route === undefined
    ? target.method(fields)
    : taskRouteBinding(target.method(), options.route);
}

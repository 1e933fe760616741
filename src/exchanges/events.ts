/**
 * The one runtime that turns an exchange table into an events class: one method per exchange,
 * returning bindings, plus the parse of routing keys delivered on it (compiled once per exchange).
 */

import {
  buildRoutingKeyPattern,
  RoutingKeyError,
  type RoutingKeyFilter,
  type RoutingKeyParser,
  routingKeyParser,
} from './routing-key.js';
import type { Binding, ExchangeEntry, ExchangeTable } from './types.js';

/**
 * A filter of one exchange's routing key: any of its fields, each a string or a number;
 * `undefined` is the same as leaving the field out (a wildcard).
 */
export type RoutingFilter<Routing> = {
  readonly [K in keyof Routing]?: string | number | undefined;
};

/**
 * One exchange of an events class: call it with a filter (or a raw pattern) to get a binding;
 * `parse` reads a routing key delivered on it.
 */
export interface ExchangeMethod<Payload, Routing, Exchange extends string = string> {
  (filter?: RoutingFilter<Routing> | string): Binding<Payload, Routing, Exchange>;
  /**
   * The full exchange name, e.g. `exchange/taskcluster-queue/v1/task-completed`: compare a
   * message's `exchange` with it to narrow a handler's message union to this exchange's.
   */
  readonly exchange: Exchange;
  /** The exchange as data. */
  readonly entry: ExchangeEntry;
  /** The routing-key fields of a key delivered on this exchange; throws `RoutingKeyError`. */
  readonly parse: (routingKey: string) => Routing;
}

/** Options of an events class. */
export interface EventsOptions {
  /** Replaces the table's prefix, e.g. for a deployment that publishes under another name. */
  exchangePrefix?: string;
}

/** An exchange found by its full name, with its compiled routing-key parser. */
export interface ExchangeLookup {
  readonly entry: ExchangeEntry;
  readonly exchange: string;
  readonly parse: RoutingKeyParser;
}

/** What every events instance has besides its exchange methods. */
export interface EventsClient {
  /** The prefix of every exchange name of this instance. */
  readonly exchangePrefix: string;
  /** The exchange service as data. */
  readonly table: ExchangeTable;
  /** The exchange with this full name, or `undefined` when it is not one of this service's. */
  byExchange(exchange: string): ExchangeLookup | undefined;
}

/** The class {@link defineEvents} returns. */
export type EventsClass<Methods> = new (options?: EventsOptions) => EventsClient & Methods;

/** Member names of {@link EventsClient}, which no exchange may take. */
export const EVENTS_CLIENT_MEMBERS: readonly string[] = [
  'exchangePrefix',
  'table',
  'byExchange',
  'constructor',
];

/**
 * Turns an exchange table into a class whose methods return typed bindings. `Methods` is the
 * generated interface of the table (or, for a table loaded at run time, any record of
 * {@link ExchangeMethod}s).
 *
 * @throws {RoutingKeyError} when an exchange name clashes with a member of {@link EventsClient}.
 */
export function defineEvents<Methods>(table: ExchangeTable): EventsClass<Methods> {
  for (const entry of table.entries) {
    if (EVENTS_CLIENT_MEMBERS.includes(entry.name)) {
      throw new RoutingKeyError(
        `exchange "${entry.name}" clashes with a member of the events class`,
      );
    }
  }

  class Events implements EventsClient {
    readonly exchangePrefix: string;
    readonly table = table;
    readonly #byExchange = new Map<string, ExchangeLookup>();

    constructor(options: EventsOptions = {}) {
      this.exchangePrefix = options.exchangePrefix ?? table.exchangePrefix;
      for (const entry of table.entries) {
        const exchange = this.exchangePrefix + entry.exchange;
        const parse = routingKeyParser(entry.routingKey);
        const method = (filter: RoutingKeyFilter = {}): Binding => ({
          exchange,
          routingKeyPattern: buildRoutingKeyPattern(entry.routingKey, filter),
          routingKeyReference: entry.routingKey,
        });
        Object.defineProperties(method, {
          exchange: { value: exchange, enumerable: true },
          entry: { value: entry, enumerable: true },
          parse: { value: parse, enumerable: true },
          name: { value: entry.name },
        });
        Object.defineProperty(this, entry.name, { value: method, enumerable: true });
        this.#byExchange.set(exchange, { entry, exchange, parse });
      }
    }

    byExchange(exchange: string): ExchangeLookup | undefined {
      return this.#byExchange.get(exchange);
    }
  }
  return Events as unknown as EventsClass<Methods>;
}

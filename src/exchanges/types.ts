/**
 * The data that describes an exchange service, and the binding a filter makes.
 * The generator writes one {@link ExchangeTable} per service; one runtime turns it into methods.
 * The message schemas (what `tc-pulse publish` checks a payload against) are data of this shape
 * too, generated per service.
 */

import type { JsonValue } from '../client/generated/json.js';

/** One word (or, when `multipleWords`, any number of words) of a routing key. */
export interface RoutingKeyField {
  readonly name: string;
  /** A `#` field: zero or more dot-separated words. At most one per exchange. */
  readonly multipleWords: boolean;
  readonly required: boolean;
  /** A fixed value (e.g. `primary`), always filled in. */
  readonly constant?: string;
}

/** One topic exchange of a service, as data. */
export interface ExchangeEntry {
  /** The method name, e.g. `taskCompleted`. */
  readonly name: string;
  /** The exchange name relative to the service's prefix, e.g. `task-completed`. */
  readonly exchange: string;
  readonly routingKey: readonly RoutingKeyField[];
  /** The message schema id relative to `schemas/<service>/`. */
  readonly schema: string;
  readonly title: string;
  /** Why the exchange is deprecated, when it is. */
  readonly deprecated?: string;
}

/** An exchange service, as data. */
export interface ExchangeTable {
  readonly serviceName: string;
  readonly apiVersion: string;
  readonly title: string;
  /** E.g. `exchange/taskcluster-queue/v1/`. */
  readonly exchangePrefix: string;
  readonly deprecated?: string;
  /** Entries sorted by name. */
  readonly entries: readonly ExchangeEntry[];
}

declare const payloadType: unique symbol;
declare const routingType: unique symbol;

/**
 * What a consumer binds a queue with: an exchange and a routing-key pattern.
 * `Payload` and `Routing` are carried in the type only, so a stream over several
 * bindings knows the union of their message types. `Exchange` is the exchange name's type: for
 * the generated events, `${string}/task-completed` and the like (whatever the prefix), so that
 * comparing a message's `exchange` with an events method's `exchange` narrows the union.
 */
export interface Binding<
  Payload = unknown,
  Routing = Record<string, string | undefined>,
  Exchange extends string = string,
> {
  /** The full exchange name, e.g. `exchange/taskcluster-queue/v1/task-completed`. */
  readonly exchange: Exchange;
  /** The AMQP routing-key pattern, e.g. `primary.*.*.*.*.*.*.*.abc.#`. */
  readonly routingKeyPattern: string;
  /** The exchange's routing-key fields, used to parse delivered keys; absent for raw bindings. */
  readonly routingKeyReference?: readonly RoutingKeyField[];
  /** Type-only marker of the message payload; never present at run time. */
  readonly [payloadType]?: Payload;
  /** Type-only marker of the parsed routing fields; never present at run time. */
  readonly [routingType]?: Routing;
}

/** The message payload type a binding delivers. */
export type PayloadOf<B> = B extends Binding<infer P, infer _R> ? P : never;
/** The parsed routing-key fields a binding delivers. */
export type RoutingOf<B> = B extends Binding<infer _P, infer R> ? R : never;

/** A JSON schema as data. */
export type JsonSchema = { readonly [keyword: string]: JsonValue };

/** Where the value of a routing-key field is in the payload, and its JSON type there. */
export interface PayloadField {
  /** The property names from the payload's top level down. */
  readonly path: readonly string[];
  readonly type: string | readonly string[];
}

/** The message of one exchange. */
export interface ExchangeMessage {
  /** The `$id` of the message schema. */
  readonly schema: string;
  /** The routing-key fields the payload carries too, by field name. */
  readonly fields: { readonly [field: string]: PayloadField };
}

/** The message schemas of one exchange service. */
export interface MessageSchemas {
  /** By exchange (method) name. */
  readonly exchanges: { readonly [exchange: string]: ExchangeMessage };
  /** Every schema the messages need, by `$id`. */
  readonly schemas: { readonly [id: string]: JsonSchema };
}

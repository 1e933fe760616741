/** The generator's input, read from reference files or a deployment, before any code is written. */

/** A JSON value as read from a reference or schema file. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** One method of an API reference. */
export interface ApiReferenceEntry {
  readonly name: string;
  readonly method: string;
  readonly route: string;
  readonly args: readonly string[];
  readonly query: readonly string[];
  readonly input?: string;
  readonly output?: string;
  readonly scopes?: Json;
  readonly stability: string;
  readonly title: string;
  /** Why the entry is deprecated, when it is. */
  readonly deprecated?: string;
}

/** A REST service as the generator sees it. */
export interface ApiService {
  readonly serviceName: string;
  readonly apiVersion: string;
  readonly title: string;
  readonly deprecated?: string;
  /** No schemas are available: payloads and responses are typed as JSON values. */
  readonly untyped: boolean;
  readonly entries: readonly ApiReferenceEntry[];
}

/** One routing-key field of an exchange. */
export interface RoutingKeyFieldReference {
  readonly name: string;
  readonly multipleWords: boolean;
  readonly required: boolean;
  readonly constant?: string;
}

/** One exchange of an exchanges reference. */
export interface ExchangeReferenceEntry {
  readonly name: string;
  readonly exchange: string;
  readonly routingKey: readonly RoutingKeyFieldReference[];
  readonly schema: string;
  readonly title: string;
  readonly deprecated?: string;
}

/** An exchange service as the generator sees it. */
export interface ExchangeService {
  readonly serviceName: string;
  readonly apiVersion: string;
  readonly title: string;
  readonly exchangePrefix: string;
  readonly deprecated?: string;
  readonly entries: readonly ExchangeReferenceEntry[];
}

/** Everything the generator reads: services, exchange services and schemas by id. */
export interface ReferenceSet {
  readonly apis: readonly ApiService[];
  readonly exchanges: readonly ExchangeService[];
  /** Schemas by absolute id without fragment, e.g. `/schemas/queue/v1/task.json`. */
  readonly schemas: ReadonlyMap<string, Json>;
}

/** The absolute id of a schema an entry names relative to its service (`v1/task.json#`). */
export function entrySchemaId(serviceName: string, relative: string): string {
  return `/schemas/${serviceName}/${relative.replace(/#.*$/, '')}`;
}

/** Whether a value is a JSON object. */
export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

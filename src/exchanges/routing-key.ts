/**
 * Routing keys of Taskcluster exchanges: build a binding pattern from named fields, parse a
 * delivered key back into named fields, read the task routes of a message's CC header.
 */

import { InputError } from '../errors.js';
import type { Binding, RoutingKeyField } from './types.js';

/** A filter: routing-key field values by name, or a raw AMQP pattern taken as it is. */
export type RoutingKeyFilter = Readonly<Record<string, string | number | undefined>> | string;

/** Routing-key fields parsed from a delivered key, by name. */
export type ParsedRoutingKey = Record<string, string | undefined>;

/** Parses a delivered routing key of one exchange; see {@link compileRoutingKeyParser}. */
export type RoutingKeyParser = (routingKey: string) => ParsedRoutingKey;

/** The word Taskcluster publishes for an optional field that has no value. */
export const MISSING_WORD = '_';

/** The prefix of the CC'd routing keys that carry a task's routes. */
export const ROUTE_PREFIX = 'route.';

/** A filter or a delivered routing key that does not fit the exchange's routing-key fields. */
export class RoutingKeyError extends InputError {
  override name = 'RoutingKeyError';
}

/**
 * The AMQP pattern that matches the filter: constants always filled in, `*` for a missing
 * single-word field, `#` for a missing multi-word field; a value of `*` means any value too, as
 * leaving the field out does. A multi-word field (a task route, the notify exchange's `topic`)
 * takes a pattern of its own, whose words may be `*` (one word) or `#` (any number of words):
 * `{ topic: 'project.alpha.#' }`. A string filter is the pattern itself.
 *
 * @throws {RoutingKeyError} for an unknown field name (a misspelt filter would otherwise match
 * everything), a value that is neither a string nor a number, a `.`, a `#` or an empty value in
 * a single-word field, an empty word in a multi-word field, or a value that differs from a
 * constant.
 */
export function buildRoutingKeyPattern(
  fields: readonly RoutingKeyField[],
  filter: RoutingKeyFilter,
): string {
  if (typeof filter === 'string') {
    if (filter === '') throw new RoutingKeyError('a routing-key pattern must not be empty');
    return filter;
  }
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new RoutingKeyError(
      `a routing-key filter must be an object of field values or a pattern string, got ${describe(filter)}`,
    );
  }
  checkFieldNames(fields, filter);
  const words: string[] = [];
  for (const field of fields) {
    const value = filter[field.name];
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
      throw new RoutingKeyError(
        `routing-key field "${field.name}" must be a string or a number, got ${describe(value)}`,
      );
    }
    words.push(wordFor(field, value === undefined ? undefined : String(value)));
  }
  return words.join('.');
}

/** The value of a filter field that means "any value", as leaving the field out does. */
export const ANY_VALUE = '*';

/**
 * Throws for a name that is not one of the fields: a misspelt field would otherwise widen a
 * binding to everything, or publish a key without the value.
 */
export function checkFieldNames(fields: readonly RoutingKeyField[], values: object): void {
  for (const name of Object.keys(values)) {
    if (!fields.some((field) => field.name === name)) {
      throw new RoutingKeyError(
        `unknown routing-key field "${name}"; the fields are: ${fields.map((f) => f.name).join(', ')}`,
      );
    }
  }
}

/** Throws for a value of a constant field other than its constant. */
export function checkConstant(field: RoutingKeyField, constant: string, value: string): void {
  if (value !== constant) {
    throw new RoutingKeyError(
      `routing-key field "${field.name}" is the constant "${constant}", got "${value}"`,
    );
  }
}

/** Throws for an empty value, or a `.` in a single-word field. */
export function checkWord(field: RoutingKeyField, value: string): void {
  if (value === '') {
    throw new RoutingKeyError(`routing-key field "${field.name}" must not be empty`);
  }
  if (!field.multipleWords && value.includes('.')) {
    throw new RoutingKeyError(
      `routing-key field "${field.name}" is a single word and must not contain ".", got "${value}"`,
    );
  }
}

function wordFor(field: RoutingKeyField, value: string | undefined): string {
  if (field.constant !== undefined) {
    if (value !== undefined && value !== ANY_VALUE) checkConstant(field, field.constant, value);
    return field.constant;
  }
  if (value === undefined || value === ANY_VALUE) return field.multipleWords ? '#' : '*';
  checkWord(field, value);
  if (field.multipleWords) {
    // A pattern of words: `*` and `#` are the topic wildcards, and an empty word (`a..b`, a
    // leading or trailing dot) matches nothing Taskcluster publishes.
    if (value.split('.').includes('')) {
      throw new RoutingKeyError(
        `routing-key field "${field.name}" has an empty word in "${value}": words are separated by single dots`,
      );
    }
    return value;
  }
  // `#` matches any number of words: in a single-word field it would quietly widen the binding
  // over the fields after it.
  if (value === '#') {
    throw new RoutingKeyError(
      `routing-key field "${field.name}" is a single word: "#" would match any number of words; use "*" (or leave the field out) to match any value`,
    );
  }
  return value;
}

/**
 * Compiles, once per exchange, the parser of its delivered routing keys. The parser checks the
 * number of words and the constants, and returns the fields by name; a multi-word field is
 * returned joined with `.`. An optional field whose word is `_` (what Taskcluster publishes for a
 * missing value) or a multi-word field with no words parses to `undefined`.
 */
export function compileRoutingKeyParser(fields: readonly RoutingKeyField[]): RoutingKeyParser {
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const constants = fields.map((field) => field.constant);
  const optional = fields.map((field) => !field.required);
  const multi = fields.findIndex((field) => field.multipleWords);
  if (multi !== -1 && fields.findIndex((f, i) => i > multi && f.multipleWords) !== -1) {
    throw new RoutingKeyError(
      `routing-key fields ${names.join('.')} have more than one multi-word field`,
    );
  }
  // Words after the multi-word field are counted from the end of the key.
  const after = multi === -1 ? 0 : count - multi - 1;
  const minWords = multi === -1 || fields[multi]!.required ? count : count - 1;
  const shape = names.join('.');

  return (routingKey: string): ParsedRoutingKey => {
    if (typeof routingKey !== 'string') {
      throw new RoutingKeyError(`a routing key must be a string, got ${describe(routingKey)}`);
    }
    const words = routingKey.split('.');
    const length = words.length;
    if (multi === -1 ? length !== count : length < minWords) {
      throw new RoutingKeyError(
        `routing key "${routingKey}" has ${length} words; the fields ${shape} need ${
          multi === -1 ? count : `at least ${minWords}`
        }`,
      );
    }
    const result: ParsedRoutingKey = {};
    for (let i = 0; i < count; i++) {
      let word: string | undefined;
      if (i < multi || multi === -1) {
        word = words[i];
      } else if (i > multi) {
        word = words[length - (count - i)];
      } else {
        const end = length - after;
        word = end > i ? words.slice(i, end).join('.') : undefined;
      }
      const constant = constants[i];
      if (constant !== undefined && word !== constant) {
        throw new RoutingKeyError(
          `routing key "${routingKey}": field "${names[i]}" must be "${constant}", got "${word}"`,
        );
      }
      result[names[i]!] = optional[i] && word === MISSING_WORD ? undefined : word;
    }
    return result;
  };
}

const parsers = new WeakMap<readonly RoutingKeyField[], RoutingKeyParser>();

/**
 * The parser of keys for these fields, compiled on first use and shared by every binding that
 * carries the same fields (every binding made on one exchange of one events class).
 */
export function routingKeyParser(fields: readonly RoutingKeyField[]): RoutingKeyParser {
  let parser = parsers.get(fields);
  if (parser === undefined) {
    parser = compileRoutingKeyParser(fields);
    parsers.set(fields, parser);
  }
  return parser;
}

/**
 * The parser of the routing keys a binding delivers, or `undefined` for a raw binding that
 * carries no routing-key reference. Call it once per binding, not per message.
 */
export function bindingParser(binding: Binding<unknown, unknown>): RoutingKeyParser | undefined {
  return binding.routingKeyReference === undefined
    ? undefined
    : routingKeyParser(binding.routingKeyReference);
}

/**
 * The task routes of a delivered message: the `route.` keys of its `CC` header, prefix removed.
 * Anything that is not a list of strings (or byte buffers) yields no routes.
 */
export function parseRoutes(ccHeader: unknown): string[] {
  const entries = Array.isArray(ccHeader) ? ccHeader : ccHeader === undefined ? [] : [ccHeader];
  const routes: string[] = [];
  for (const entry of entries) {
    const key =
      typeof entry === 'string' ? entry : entry instanceof Uint8Array ? decode(entry) : '';
    if (key.startsWith(ROUTE_PREFIX)) routes.push(key.slice(ROUTE_PREFIX.length));
  }
  return routes;
}

const utf8 = new TextDecoder();
function decode(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/**
 * A binding on the messages an exchange CC's with `route.<routePattern>` (task routes such as
 * `index.project.#`). Given a binding, it keeps its payload type and routing-key reference: a
 * CC'd message is delivered with the primary routing key, which still parses.
 */
export function taskRouteBinding<Payload, Routing>(
  exchange: Binding<Payload, Routing>,
  routePattern: string,
): Binding<Payload, Routing>;
export function taskRouteBinding(exchange: string, routePattern: string): Binding;
export function taskRouteBinding(
  exchange: string | Binding<unknown, unknown>,
  routePattern: string,
): Binding<unknown, unknown> {
  if (typeof routePattern !== 'string' || routePattern === '') {
    throw new RoutingKeyError(
      `a route pattern must be a non-empty string, got ${describe(routePattern)}`,
    );
  }
  if (routePattern.startsWith(ROUTE_PREFIX)) {
    throw new RoutingKeyError(
      `give the route pattern without the "${ROUTE_PREFIX}" prefix, got "${routePattern}"`,
    );
  }
  const routingKeyPattern = ROUTE_PREFIX + routePattern;
  if (typeof exchange === 'string') {
    if (exchange === '') throw new RoutingKeyError('an exchange name must not be empty');
    return { exchange, routingKeyPattern };
  }
  return exchange.routingKeyReference === undefined
    ? { exchange: exchange.exchange, routingKeyPattern }
    : {
        exchange: exchange.exchange,
        routingKeyPattern,
        routingKeyReference: exchange.routingKeyReference,
      };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * The four calling conventions at run time: turns the arguments of a call into route parameters,
 * payload and query, or throws an {@link InputError} that says what was expected.
 */
import { InputError } from '../errors.js';
import { checkSignal } from './abort.js';
import type { ParamValue } from './calling.js';
import type { ApiEntry } from './reference.js';
import { compileRoute, type RouteBuilder } from './url.js';

/** An entry prepared once per service: what every call of the method needs. */
export interface CompiledEntry {
  readonly entry: ApiEntry;
  /** The HTTP method, upper case. */
  readonly httpMethod: string;
  readonly route: RouteBuilder;
  readonly takesPayload: boolean;
  readonly queryKeys: ReadonlySet<string>;
  /** Whether the method pages with `continuationToken`. */
  readonly paginated: boolean;
  /** How the method is called, for error messages, e.g. `queue.getTask(taskId)`. */
  readonly signature: string;
}

/** A call with its arguments sorted out. */
export interface ParsedCall {
  readonly params: readonly ParamValue[];
  readonly payload: unknown;
  readonly query: Readonly<Record<string, unknown>> | undefined;
  /** The seed's per-page callback; its presence makes the call follow continuation tokens. */
  readonly paginationHandler: ((page: unknown) => unknown) | undefined;
  /** Aborts the call. */
  readonly signal: AbortSignal | undefined;
}

/** Keys of the named form of a call, `{ params, payload, query, paginationHandler, signal }`. */
export const NAMED_KEYS: ReadonlySet<string> = new Set([
  'params',
  'payload',
  'query',
  'paginationHandler',
  'signal',
]);
/** Keys of the options object that may follow the arguments of a call. */
const OPTION_KEYS: ReadonlySet<string> = new Set(['query', 'paginationHandler', 'signal']);
/** Keys of the options object that may follow the parameters of `buildUrl`. */
const URL_OPTION_KEYS: ReadonlySet<string> = new Set(['query']);
/** Keys of the options object that may follow the parameters of `buildSignedUrl`. */
const SIGNED_URL_OPTION_KEYS: ReadonlySet<string> = new Set(['query', 'expiration']);
/** What may follow a bare query in `buildSignedUrl(method, ...params, query, { expiration })`. */
const EXPIRATION_KEYS: ReadonlySet<string> = new Set(['expiration']);
/**
 * Every key with a meaning of its own in some form of a call or URL. A method with a query
 * option of one of these names makes some calls ambiguous (`{ query: ... }` after the
 * parameters could be either); the generator refuses such references, and for references loaded
 * at run time such a call is an {@link InputError}.
 */
export const STRUCTURAL_KEYS: ReadonlySet<string> = new Set([
  ...NAMED_KEYS,
  ...SIGNED_URL_OPTION_KEYS,
]);
/** The query key that marks a paginated method. */
export const CONTINUATION_TOKEN = 'continuationToken';

/** Prepare an entry of service `serviceName` for calls. */
export function compileEntry(serviceName: string, entry: ApiEntry): CompiledEntry {
  const takesPayload = entry.input !== undefined;
  const parts = [...entry.args];
  if (takesPayload) parts.push('payload');
  if (entry.query.length > 0) parts.push(`{ ${entry.query.join(', ')} }?`);
  return {
    entry,
    httpMethod: entry.method.toUpperCase(),
    route: compileRoute(entry.route, entry.args),
    takesPayload,
    queryKeys: new Set(entry.query),
    paginated: entry.query.includes(CONTINUATION_TOKEN),
    signature: `${serviceName}.${entry.name}(${parts.join(', ')})`,
  };
}

/** Whether `value` is an object literal (or made with `Object.create(null)`), not an array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fail(compiled: CompiledEntry, problem: string): never {
  throw new InputError(`${compiled.signature}: ${problem}`);
}

function checkParam(compiled: CompiledEntry, name: string, value: unknown): ParamValue {
  if (
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'number' && Number.isFinite(value))
  ) {
    return value;
  }
  return fail(
    compiled,
    `parameter ${name} must be a non-empty string or a finite number, got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'an empty string';
  return typeof value === 'number' ? String(value) : `a value of type ${typeof value}`;
}

function positionalParams(compiled: CompiledEntry, values: readonly unknown[]): ParamValue[] {
  const names = compiled.entry.args;
  const params = new Array<ParamValue>(names.length);
  for (let i = 0; i < names.length; i++) params[i] = checkParam(compiled, names[i]!, values[i]);
  return params;
}

function namedParams(compiled: CompiledEntry, value: unknown): ParamValue[] {
  const names = compiled.entry.args;
  if (value === undefined && names.length === 0) return [];
  if (!isPlainObject(value)) {
    return fail(compiled, `params must be an object { ${names.join(', ')} }`);
  }
  for (const key of Object.keys(value)) {
    if (!names.includes(key)) fail(compiled, `unknown parameter ${JSON.stringify(key)}`);
  }
  return names.map((name) => {
    if (!(name in value)) fail(compiled, `missing parameter ${name}`);
    return checkParam(compiled, name, value[name]);
  });
}

function checkPayload(compiled: CompiledEntry, payload: unknown): unknown {
  if (compiled.takesPayload) {
    if (payload === undefined || payload === null) fail(compiled, 'a payload is required');
    return payload;
  }
  if (payload !== undefined) fail(compiled, 'this method takes no payload');
  return undefined;
}

function checkQuery(
  compiled: CompiledEntry,
  query: unknown,
): Readonly<Record<string, unknown>> | undefined {
  if (query === undefined) return undefined;
  if (!isPlainObject(query)) return fail(compiled, 'query must be an object');
  for (const [key, value] of Object.entries(query)) {
    if (!compiled.queryKeys.has(key)) {
      fail(
        compiled,
        compiled.queryKeys.size === 0
          ? `this method takes no query options, got ${JSON.stringify(key)}`
          : `unknown query option ${JSON.stringify(key)} (allowed: ${compiled.entry.query.join(', ')})`,
      );
    }
    const type = typeof value;
    if (value !== undefined && type !== 'string' && type !== 'number' && type !== 'boolean') {
      fail(compiled, `query option ${key} must be a string, number or boolean`);
    }
  }
  return query;
}

function checkHandler(
  compiled: CompiledEntry,
  handler: unknown,
): ((page: unknown) => unknown) | undefined {
  if (handler === undefined) return undefined;
  if (!compiled.paginated) fail(compiled, 'paginationHandler needs a method that pages');
  if (typeof handler !== 'function') fail(compiled, 'paginationHandler must be a function');
  return handler as (page: unknown) => unknown;
}

function checkKeys(
  compiled: CompiledEntry,
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) fail(compiled, `unknown option ${JSON.stringify(key)}`);
  }
}

/**
 * How an object in a place that takes either form is meant: as options (its keys are among
 * `optionKeys`, e.g. `{ query: { limit } }`) or as a bare query (its keys are query
 * options of the method, e.g. `{ limit }`, as the official client takes it). Mixing the two, an
 * unknown key, or only keys that could be either, is an {@link InputError}. An empty object is
 * options with none set.
 */
function formOf(
  compiled: CompiledEntry,
  value: Record<string, unknown>,
  optionKeys: ReadonlySet<string>,
): 'options' | 'query' {
  let option: string | undefined;
  let query: string | undefined;
  let either: string | undefined;
  for (const key of Object.keys(value)) {
    const isOption = optionKeys.has(key);
    const isQuery = compiled.queryKeys.has(key);
    if (isOption && isQuery) either ??= key;
    else if (isOption) option ??= key;
    else if (isQuery) query ??= key;
    else fail(compiled, unknownKey(compiled, key, optionKeys));
  }
  if (option !== undefined && query !== undefined) {
    fail(
      compiled,
      `query option ${JSON.stringify(query)} and option ${JSON.stringify(option)} in one object: give the query on its own or as { query: { ... } }, not both`,
    );
  }
  if (query !== undefined) return 'query';
  if (option !== undefined || either === undefined) return 'options';
  return fail(
    compiled,
    `${JSON.stringify(either)} is both a query option of this method and an option of the call, so the object could mean either: use the named form { params, query }`,
  );
}

function unknownKey(compiled: CompiledEntry, key: string, optionKeys: ReadonlySet<string>): string {
  const options = [...optionKeys].join(', ');
  return compiled.queryKeys.size === 0
    ? `unknown option ${JSON.stringify(key)} (options: ${options}; this method takes no query options)`
    : `${JSON.stringify(key)} is neither a query option (${compiled.entry.query.join(', ')}) nor an option (${options})`;
}

/** Whether a lone argument is the named form `{ params, payload, query }`. */
function isNamedForm(compiled: CompiledEntry, value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  // An empty object is the payload of a method that takes only a payload.
  if (keys.length === 0) return !(compiled.takesPayload && compiled.entry.args.length === 0);
  if (compiled.entry.args.length === 0 && !compiled.takesPayload && compiled.queryKeys.size > 0) {
    // A method of no parameters and no payload: a lone object is the named form or a bare query.
    return formOf(compiled, value, NAMED_KEYS) === 'options';
  }
  return keys.every((key) => NAMED_KEYS.has(key));
}

function fromOptions(
  compiled: CompiledEntry,
  params: readonly ParamValue[],
  payload: unknown,
  options: unknown,
): ParsedCall {
  if (options === undefined) {
    return { params, payload, query: undefined, paginationHandler: undefined, signal: undefined };
  }
  if (!isPlainObject(options)) {
    return fail(
      compiled,
      compiled.queryKeys.size === 0
        ? 'the argument after the parameters must be options { signal }'
        : 'the argument after the parameters must be an object: the query, or options { query, signal }',
    );
  }
  if (formOf(compiled, options, OPTION_KEYS) === 'query') {
    return {
      params,
      payload,
      query: checkQuery(compiled, options),
      paginationHandler: undefined,
      signal: undefined,
    };
  }
  return {
    params,
    payload,
    query: checkQuery(compiled, options.query),
    paginationHandler: checkHandler(compiled, options.paginationHandler),
    signal: checkSignal(`${compiled.signature}: signal`, options.signal),
  };
}

/** Sort out the arguments of a call in any of the four conventions. */
export function parseCall(compiled: CompiledEntry, args: readonly unknown[]): ParsedCall {
  const argCount = compiled.entry.args.length;
  const fixed = argCount + (compiled.takesPayload ? 1 : 0);
  const first = args[0];
  if (args.length === 1 && isNamedForm(compiled, first)) return fromNamed(compiled, first);
  if (compiled.takesPayload && argCount > 0 && typeof first === 'object' && first !== null) {
    // Payload first: (payload, { ...params }, options?)
    if (args.length < 2 || args.length > 3) {
      fail(
        compiled,
        `expected (payload, { ${compiled.entry.args.join(', ')} }) but got ${args.length} arguments`,
      );
    }
    return fromOptions(
      compiled,
      namedParams(compiled, args[1]),
      checkPayload(compiled, first),
      args[2],
    );
  }
  // Every method takes options (at least { signal }) after its arguments.
  const maxArgs = fixed + 1;
  if (args.length < fixed || args.length > maxArgs) {
    fail(compiled, `expected ${fixed} or ${maxArgs} arguments, got ${args.length}`);
  }
  const params = positionalParams(compiled, args);
  const payload = compiled.takesPayload ? checkPayload(compiled, args[argCount]) : undefined;
  return fromOptions(compiled, params, payload, args[fixed]);
}

function fromNamed(compiled: CompiledEntry, named: Record<string, unknown>): ParsedCall {
  return {
    params: namedParams(compiled, named.params),
    payload: checkPayload(compiled, named.payload),
    query: checkQuery(compiled, named.query),
    paginationHandler: checkHandler(compiled, named.paginationHandler),
    signal: checkSignal(`${compiled.signature}: signal`, named.signal),
  };
}

/** The arguments of `buildUrl`/`buildSignedUrl` after the method: parameters, then options. */
export interface ParsedUrlArgs {
  readonly params: readonly ParamValue[];
  readonly query: Readonly<Record<string, unknown>> | undefined;
  /** Seconds a signed URL stays valid, when given. */
  readonly expiration: number | undefined;
}

function checkExpiration(compiled: CompiledEntry, expiration: unknown): number | undefined {
  if (expiration !== undefined && (typeof expiration !== 'number' || !(expiration > 0))) {
    fail(compiled, 'expiration must be a positive number of seconds');
  }
  return expiration;
}

/**
 * Sort out what follows the method in `buildUrl` and `buildSignedUrl`: the parameters, then a
 * bare query or options `{ query?, expiration? }`; a signed URL also takes the official
 * client's `(...params, query, { expiration })`.
 */
export function parseUrlArgs(
  compiled: CompiledEntry,
  args: readonly unknown[],
  signed: boolean,
): ParsedUrlArgs {
  const argCount = compiled.entry.args.length;
  const most = argCount + (signed ? 2 : 1);
  if (args.length < argCount || args.length > most) {
    fail(
      compiled,
      `a URL needs ${argCount} parameters, then a query or options, got ${args.length} arguments`,
    );
  }
  const params = positionalParams(compiled, args);
  // An undefined argument stands for one not given, as in a call.
  const trailing = args.slice(argCount).filter((value) => value !== undefined);
  for (const value of trailing) {
    if (!isPlainObject(value)) fail(compiled, 'what follows the parameters must be objects');
  }
  const [first, second] = trailing as (Record<string, unknown> | undefined)[];
  if (first === undefined) return { params, query: undefined, expiration: undefined };
  if (second !== undefined) {
    // (query, { expiration }): the first can only be the query (or empty).
    const empty = Object.keys(first).length === 0;
    if (!empty && formOf(compiled, first, SIGNED_URL_OPTION_KEYS) !== 'query') {
      fail(compiled, 'of two objects after the parameters, the first must be the query itself');
    }
    checkKeys(compiled, second, EXPIRATION_KEYS);
    return {
      params,
      query: checkQuery(compiled, first),
      expiration: checkExpiration(compiled, second.expiration),
    };
  }
  const optionKeys = signed ? SIGNED_URL_OPTION_KEYS : URL_OPTION_KEYS;
  if (formOf(compiled, first, optionKeys) === 'query') {
    return { params, query: checkQuery(compiled, first), expiration: undefined };
  }
  return {
    params,
    query: checkQuery(compiled, first.query),
    expiration: checkExpiration(compiled, first.expiration),
  };
}

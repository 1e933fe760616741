/**
 * The four calling conventions at run time: turns the arguments of a call into route parameters,
 * payload and query, or throws an {@link InputError} that says what was expected.
 */
import { InputError } from '../errors.js';
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
}

const NAMED_KEYS: ReadonlySet<string> = new Set([
  'params',
  'payload',
  'query',
  'paginationHandler',
]);
const OPTION_KEYS: ReadonlySet<string> = new Set(['query', 'paginationHandler']);
/** The query key that marks a paginated method. */
export const CONTINUATION_TOKEN = 'continuationToken';

/** Prepare an entry of service `serviceName` for calls. */
export function compileEntry(serviceName: string, entry: ApiEntry): CompiledEntry {
  const takesPayload = entry.input !== undefined;
  const parts = [...entry.args];
  if (takesPayload) parts.push('payload');
  if (entry.query.length > 0) parts.push(`{ query: { ${entry.query.join(', ')} } }?`);
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
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

/** Whether a lone argument is the named form `{ params, payload, query }`. */
function isNamedForm(compiled: CompiledEntry, value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  // An empty object is the payload of a method that takes only a payload.
  if (keys.length === 0) return !(compiled.takesPayload && compiled.entry.args.length === 0);
  return keys.every((key) => NAMED_KEYS.has(key));
}

function fromOptions(
  compiled: CompiledEntry,
  params: readonly ParamValue[],
  payload: unknown,
  options: unknown,
): ParsedCall {
  if (options === undefined) {
    return { params, payload, query: undefined, paginationHandler: undefined };
  }
  if (!isPlainObject(options)) {
    return fail(compiled, 'the argument after the parameters must be an options object { query }');
  }
  checkKeys(compiled, options, OPTION_KEYS);
  return {
    params,
    payload,
    query: checkQuery(compiled, options.query),
    paginationHandler: checkHandler(compiled, options.paginationHandler),
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
  const maxArgs = fixed + (compiled.queryKeys.size > 0 ? 1 : 0);
  if (args.length < fixed || args.length > maxArgs) {
    fail(
      compiled,
      `expected ${fixed === maxArgs ? fixed : `${fixed} or ${maxArgs}`} arguments, got ${args.length}`,
    );
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
  };
}

/** The arguments of `buildUrl`/`buildSignedUrl` after the method: parameters, then options. */
export interface ParsedUrlArgs {
  readonly params: readonly ParamValue[];
  readonly query: Readonly<Record<string, unknown>> | undefined;
  /** Seconds a signed URL stays valid, when given. */
  readonly expiration: number | undefined;
}

const URL_OPTION_KEYS: ReadonlySet<string> = new Set(['query']);
const SIGNED_URL_OPTION_KEYS: ReadonlySet<string> = new Set(['query', 'expiration']);

/** Sort out `(...params, { query?, expiration? }?)` for a URL of the method. */
export function parseUrlArgs(
  compiled: CompiledEntry,
  args: readonly unknown[],
  signed: boolean,
): ParsedUrlArgs {
  const argCount = compiled.entry.args.length;
  if (args.length !== argCount && args.length !== argCount + 1) {
    fail(
      compiled,
      `a URL needs ${argCount} parameters and optional options, got ${args.length} arguments`,
    );
  }
  const params = positionalParams(compiled, args);
  const options = args[argCount];
  if (options === undefined) return { params, query: undefined, expiration: undefined };
  if (!isPlainObject(options)) return fail(compiled, 'URL options must be an object');
  checkKeys(compiled, options, signed ? SIGNED_URL_OPTION_KEYS : URL_OPTION_KEYS);
  const expiration = options.expiration;
  if (expiration !== undefined && (typeof expiration !== 'number' || !(expiration > 0))) {
    fail(compiled, 'expiration must be a positive number of seconds');
  }
  return { params, query: checkQuery(compiled, options.query), expiration };
}

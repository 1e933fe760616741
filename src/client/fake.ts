/**
 * Fake mode, as the official client's `fake` option: a client given `fake: { task: async
 * (taskId) => ({ ... }) }` answers its calls with those functions and sends nothing. Fakes are
 * typed from the generated method types (their arguments and results are checked by tsc), and
 * every call is recorded in `client.fakeCalls.<method>` as `{ ...params, payload?, query? }`.
 */
import { InputError } from '../errors.js';
import { throwIfAborted, untilAborted } from './abort.js';
import { type CompiledEntry, isPlainObject } from './arguments.js';
import type {
  MethodShape,
  NamedParams,
  ParamValue,
  PositionalParams,
  QueryOf,
  ShapeOf,
} from './calling.js';
import { FakeCallError } from './errors.js';
import type { ApiTable } from './reference.js';

/** What a fake gets: the route parameters, the payload, then the query (methods with one). */
type FakeArgs<S extends MethodShape> = [
  ...PositionalParams<S['args']>,
  ...([S['input']] extends [undefined] ? [] : [payload: S['input']]),
  ...([S['query']] extends [never] ? [] : [query: QueryOf<S['query']> | undefined]),
];

/**
 * The fake of a method of type `M`: called with the route parameters in order, the payload
 * (as JSON would carry it) when the method takes one, and the query when the method has query
 * options; it returns (or resolves to) the method's response.
 */
export type FakeMethod<M> = [ShapeOf<M>] extends [never]
  ? (...args: never[]) => unknown
  : (...args: FakeArgs<ShapeOf<M>>) => ShapeOf<M>['output'] | Promise<ShapeOf<M>['output']>;

/** The `fake` option of a client of `Methods`: a fake per method a test calls. */
export type Fakes<Methods> = { readonly [K in keyof Methods]?: FakeMethod<Methods[K]> };

type FakeCallOf<S extends MethodShape> = NamedParams<S['args']> &
  ([S['input']] extends [undefined] ? unknown : { payload: S['input'] }) &
  ([S['query']] extends [never] ? unknown : { query?: QueryOf<S['query']> });

/** One recorded call of a method of type `M`: its parameters by name, payload and query. */
export type FakeCall<M> = [ShapeOf<M>] extends [never]
  ? Readonly<Record<string, unknown>>
  : FakeCallOf<ShapeOf<M>>;

/** The calls of a fake client, by method, in call order. */
export type FakeCalls<Methods> = { readonly [K in keyof Methods]: readonly FakeCall<Methods[K]>[] };

/** The `fake` option as the runtime sees it, whatever the service. */
export type FakeImplementations = Readonly<Record<string, (...args: never[]) => unknown>>;

/**
 * The response schemas that fakes' results are checked against at run time: the `fakeSchemas`
 * option of a client. `responseSchemas` of `taskcluster-pulse/testing` is one, made from the
 * references the clients are generated from.
 */
export interface FakeResultSchemas {
  /**
   * What in `result` does not match the response schema `schema` of the service
   * `serviceName` (as the method's reference names it, e.g. `v1/task-status-response.json#`),
   * one finding per line; none when it matches.
   */
  check(
    serviceName: string,
    schema: string,
    result: unknown,
  ): readonly string[] | Promise<readonly string[]>;
}

/** `value` as the `fakeSchemas` option: an object with a `check` method, or an InputError. */
export function checkFakeSchemas(value: unknown): FakeResultSchemas | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { check?: unknown }).check !== 'function'
  ) {
    throw new InputError(
      "option fakeSchemas must check fakes' results, e.g. responseSchemas from taskcluster-pulse/testing",
    );
  }
  return value as FakeResultSchemas;
}

/** The fakes of one service and the calls made of them. */
export interface FakeState {
  readonly serviceName: string;
  readonly implementations: FakeImplementations;
  /** Every method's calls, recorded in place. */
  readonly calls: Readonly<Record<string, Record<string, unknown>[]>>;
}

/**
 * The state of each `fake` object, per service: the clients made from one another with `use()`
 * (the handler context's among them) share it, and so record into the same `fakeCalls`.
 */
const states = new WeakMap<FakeImplementations, WeakMap<ApiTable, FakeState>>();

/** `value` as the `fake` option: an object of functions, or an InputError. */
export function checkFake(value: unknown): FakeImplementations | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new InputError(
      'option fake must be an object of fake methods, e.g. { task: async (taskId) => ({ ... }) }',
    );
  }
  for (const [name, fake] of Object.entries(value)) {
    if (typeof fake !== 'function') {
      throw new InputError(`option fake: fake.${name} must be a function`);
    }
  }
  return value as FakeImplementations;
}

/** The fake state of `fake` for the service of `table`; a fake of no method of it is an InputError. */
export function fakeState(table: ApiTable, fake: FakeImplementations): FakeState {
  let byTable = states.get(fake);
  if (byTable === undefined) {
    byTable = new WeakMap();
    states.set(fake, byTable);
  }
  let state = byTable.get(table);
  if (state === undefined) {
    const names = table.entries.map((entry) => entry.name);
    for (const name of Object.keys(fake)) {
      if (!names.includes(name)) {
        throw new InputError(`option fake: ${table.serviceName} has no method ${name}`);
      }
    }
    state = {
      serviceName: table.serviceName,
      implementations: fake,
      calls: Object.fromEntries(names.map((name) => [name, []])),
    };
    byTable.set(table, state);
  }
  return state;
}

/** A call of a fake client, as the runtime sorted out its arguments. */
export interface FakeRequest {
  readonly params: readonly ParamValue[];
  /** The payload as sent over the network: its JSON. */
  readonly body: string | undefined;
  readonly query: Readonly<Record<string, unknown>> | undefined;
  readonly signal: AbortSignal | undefined;
  /** The URL a real call would go to, for the abort error. */
  readonly url: string;
}

/**
 * Answers a call with its fake: records it, calls the fake, and checks and copies what it
 * returns, as an answer over the network would be (against the method's response schema too,
 * given `schemas`). Sends nothing. The call's signal works as for a real call: once aborted,
 * the fake is not called, or no longer waited for.
 */
export async function callFake(
  state: FakeState,
  compiled: CompiledEntry,
  request: FakeRequest,
  schemas: FakeResultSchemas | undefined,
): Promise<unknown> {
  const { entry } = compiled;
  const { signal } = request;
  throwIfAborted(signal, { method: compiled.httpMethod, url: request.url, attempts: 0 });
  // Copies of what would be sent, one for the record and one for the fake: neither the caller
  // nor the fake can change the record.
  const sentPayload = () => (request.body === undefined ? undefined : JSON.parse(request.body));
  const record: Record<string, unknown> = {};
  entry.args.forEach((name, i) => {
    record[name] = request.params[i];
  });
  if (compiled.takesPayload) record.payload = sentPayload();
  if (request.query !== undefined) record.query = { ...request.query };
  state.calls[entry.name]!.push(record);
  const method = `${state.serviceName}.${entry.name}`;
  const fake = state.implementations[entry.name] as ((...args: unknown[]) => unknown) | undefined;
  if (fake === undefined) {
    throw new FakeCallError(
      'MissingFake',
      method,
      `${compiled.signature} was called on a fake client that has no fake of it: give fake: { ${entry.name}: ... }`,
    );
  }
  const args: unknown[] = [...request.params];
  if (compiled.takesPayload) args.push(sentPayload());
  if (compiled.queryKeys.size > 0)
    args.push(request.query === undefined ? undefined : { ...request.query });
  const answer = (async () => fake(...args))();
  const sent = { method: compiled.httpMethod, url: request.url, attempts: 1 };
  return answerOf(method, state, compiled, await untilAborted(answer, signal, sent), schemas);
}

/**
 * What a fake returned, checked and copied as an answer over the network would be, and
 * checked against the method's response schema given `schemas`.
 */
async function answerOf(
  method: string,
  state: FakeState,
  compiled: CompiledEntry,
  result: unknown,
  schemas: FakeResultSchemas | undefined,
): Promise<unknown> {
  const invalid = (problem: string) =>
    new FakeCallError(
      'InvalidFakeResult',
      method,
      `the fake of ${compiled.signature} returned ${problem}`,
    );
  const { output } = compiled.entry;
  if (result === undefined) {
    if (output === undefined) return undefined;
    throw invalid(`nothing, where the method answers ${output}`);
  }
  const problem = notJson(result, '', new Set());
  if (problem !== undefined) throw invalid(`${problem}: an answer is JSON data`);
  // The copy is what the caller gets and what is checked: what JSON would carry.
  const copy: unknown = JSON.parse(JSON.stringify(result));
  if (schemas !== undefined && output !== undefined) {
    const findings = await schemas.check(state.serviceName, output, copy);
    if (findings.length > 0) {
      throw invalid(
        `an answer that does not match ${output}:\n${findings.map((f) => `  * ${f}`).join('\n')}`,
      );
    }
  }
  return copy;
}

/** What in `value` is not JSON data, and where, or undefined when all of it is. */
function notJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  const where = path === '' ? '' : ` at ${path}`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${value}${where}`;
  }
  if (typeof value !== 'object') return `a value of type ${typeof value}${where}`;
  if (!Array.isArray(value) && !isPlainObject(value)) {
    return `a ${value.constructor?.name ?? 'non-plain'} object${where}`;
  }
  if (ancestors.has(value)) return `a cycle${where}`;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        // An array cannot carry undefined in JSON (it would become null).
        const problem =
          item === undefined
            ? `undefined at ${path}/${i}`
            : notJson(item, `${path}/${i}`, ancestors);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(value)) {
      // An undefined property is one left out, as JSON leaves it out.
      if (item === undefined) continue;
      const problem = notJson(item, `${path}/${key}`, ancestors);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

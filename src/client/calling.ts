/**
 * The types of the four calling conventions of a service method (arguments.ts reads them at run
 * time; ARCHITECTURE.md, "A REST call", shows where they sit):
 *
 * - positional: `queue.createTask(taskId, payload, { query })`
 * - payload first: `queue.createTask(payload, { taskId }, { query })`
 * - named: `queue.createTask({ params: { taskId }, payload, query })`
 * - query options last: `queue.listTaskGroup(taskGroupId, { query: { continuationToken } })`,
 *   or the query on its own as the official client takes it:
 *   `queue.listTaskGroup(taskGroupId, { continuationToken, limit })`
 *
 * Every method takes options last, `{ signal }` at least: `queue.task(taskId, { signal })`.
 *
 * A single object argument is the named form when its keys are among `params`, `payload`,
 * `query`, `paginationHandler` and `signal`; the generator proves that no input schema has such
 * a top-level key, and that no query option has the name of an option (`query`,
 * `paginationHandler`, `signal`, `expiration`, `params`, `payload`), so that a bare query and
 * options never look alike.
 */

/** A route parameter value: strings and numbers only, escaped in full when sent. */
export type ParamValue = string | number;

/** Positional route parameters for a tuple of parameter names. */
export type PositionalParams<Args extends readonly string[]> = {
  [K in keyof Args]: ParamValue;
};

/** Route parameters by name. */
export type NamedParams<Args extends readonly string[]> = { [K in Args[number]]: ParamValue };

/** Query options of a method; every key optional. */
export type QueryOf<Keys extends string> = { [K in Keys]?: string | number | boolean };

/**
 * `Base` with none of `Keys` beside its own: makes the two forms of the last argument (options,
 * or a bare query) exclusive in the types, as they are at run time.
 */
export type Without<Base, Keys extends string> = Base & { readonly [K in Keys]?: never };

/**
 * The query options of a method on their own as the last argument (the official client's
 * form), e.g. `queue.listTaskGroup(taskGroupId, { limit: 10 })`; no option key may be beside
 * them.
 */
export type BareQuery<Keys extends string, OptionKeys extends string> = Without<
  QueryOf<Keys>,
  OptionKeys
>;

/** What may follow the arguments of a call of a method with query options. */
export type QueryOrOptions<Keys extends string, Output = unknown> =
  | Without<CallOptions<QueryOf<Keys>, Output>, Keys>
  | BareQuery<Keys, keyof CallOptions<unknown> & string>;

/** Options every call takes after its arguments (or in its named form). */
export interface RequestOptions {
  /**
   * Aborts the call: nothing is sent once it has aborted, an attempt in flight is cut off (its
   * connection closed), a wait for a retry ends without a further attempt, and the call rejects
   * with a `TaskclusterAbortError` whose `cause` is the signal's reason. Combined with the
   * client's `signal` option and each attempt's timeout.
   */
  signal?: AbortSignal | undefined;
}

/** Options that may follow the arguments of a call of a method with query options. */
export interface CallOptions<Query, Output = unknown> extends RequestOptions {
  query?: Query;
  /**
   * The seed's automatic pagination: called with every page; the call then follows
   * `continuationToken` until none comes back and resolves to the last page.
   */
  paginationHandler?: (page: Output) => unknown;
}

/**
 * The shape of a method as the generator describes it: the runtime's, for generated code.
 * @internal
 */
export interface MethodShape {
  /** Route parameter names, in order. */
  readonly args: readonly string[];
  /** The payload type, or `undefined` when the method takes none. */
  readonly input: unknown;
  /** The response type. */
  readonly output: unknown;
  /** Query option keys, `never` when none. */
  readonly query: string;
}

type Named<S extends MethodShape> = RequestOptions &
  ([S['args'][number]] extends [never]
    ? { params?: Record<string, never> }
    : { params: NamedParams<S['args']> }) &
  ([S['input']] extends [undefined] ? { payload?: undefined } : { payload: S['input'] }) &
  ([S['query']] extends [never]
    ? { query?: undefined }
    : { query?: QueryOf<S['query']>; paginationHandler?: (page: S['output']) => unknown });

type Tail<S extends MethodShape> = [S['query']] extends [never]
  ? [options?: RequestOptions]
  : [options?: QueryOrOptions<S['query'], S['output']>];

type Positional<S extends MethodShape> = [S['input']] extends [undefined]
  ? [...PositionalParams<S['args']>, ...Tail<S>]
  : [...PositionalParams<S['args']>, S['input'], ...Tail<S>];

type PayloadFirst<S extends MethodShape> = [S['input']] extends [undefined]
  ? never
  : [S['args'][number]] extends [never]
    ? never
    : [S['input'], NamedParams<S['args']>, ...Tail<S>];

/** The arguments of a call in any of the four conventions. */
export type CallArgs<S extends MethodShape> = Positional<S> | PayloadFirst<S> | [named: Named<S>];

// Carries a method's shape in its type only, so that client helpers (URLs, pagination) can
// recover the arguments, query options and output of a method from its type.
declare const shape: unique symbol;

/**
 * The shape of an {@link ApiMethod}, as the generator described it: the runtime's.
 * @internal
 */
export type ShapeOf<M> = M extends { readonly [shape]?: infer S extends MethodShape } ? S : never;

/**
 * A service method: callable in the four conventions, resolving to the response.
 * Each convention is an overload, so editors show them separately.
 */
export type ApiMethod<S extends MethodShape> = ((...args: Positional<S>) => Promise<S['output']>) &
  ([PayloadFirst<S>] extends [never]
    ? unknown
    : (...args: PayloadFirst<S>) => Promise<S['output']>) &
  ((named: Named<S>) => Promise<S['output']>) & { readonly [shape]?: S };

/**
 * The data that describes a REST service: what the generator writes per service and what
 * `createClient` builds from a reference loaded at run time. One runtime turns it into methods.
 */

/**
 * A scope expression as the references give it: a scope, `AnyOf`/`AllOf`, `if`-`then`, or
 * `each`-`for`-`in` (one scope per element of a list parameter, e.g. every artifact name).
 */
export type ScopeExpression =
  | string
  | { readonly AnyOf: readonly ScopeExpression[] }
  | { readonly AllOf: readonly ScopeExpression[] }
  | { readonly if: string; readonly then: ScopeExpression; readonly else?: ScopeExpression }
  | { readonly each: string; readonly for: string; readonly in: string };

/** HTTP methods of the Taskcluster APIs. */
export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';

/** One method of a service, as data. */
export interface ApiEntry {
  /** The method name, e.g. `createTask`. */
  readonly name: string;
  readonly method: HttpMethod;
  /** The route with `<param>` placeholders in the order of `args`, e.g. `/task/<taskId>`. */
  readonly route: string;
  /** The route parameters, in positional order. */
  readonly args: readonly string[];
  /** The query-string options the method accepts. */
  readonly query: readonly string[];
  /** The input schema id relative to `schemas/<service>/`, when the method takes a payload. */
  readonly input?: string;
  /** The output schema id, when the method returns JSON described by a schema. */
  readonly output?: string;
  readonly scopes?: ScopeExpression;
  /** `stable`, `experimental` or `deprecated`. */
  readonly stability: string;
  readonly title: string;
  /** Why the method is deprecated, when it is (e.g. removed after Taskcluster 16). */
  readonly deprecated?: string;
}

/** A REST service, as data. */
export interface ApiTable {
  readonly serviceName: string;
  readonly apiVersion: string;
  readonly title: string;
  /** Why the whole service is deprecated, when it is. */
  readonly deprecated?: string;
  /** Entries sorted by name. */
  readonly entries: readonly ApiEntry[];
}

/**
 * The route table of the simulated server: patterns with `<param>` placeholders (the syntax
 * of Taskcluster's API references), matched segment by segment against the request path.
 */

/** HTTP methods the simulated server routes. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';

/** What a handler receives about one request. */
export interface RouteContext {
  /** The HTTP method. */
  method: RouteMethod;
  /** The request path as sent (still percent-encoded). */
  path: string;
  /** Route parameters, percent-decoded (`te%2Fst` becomes `te/st`). */
  params: Record<string, string>;
  /** Query parameters (without a bewit). */
  query: Record<string, string>;
  /** Request headers (lower-case names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The JSON payload, or `undefined` when the request had no body. */
  body: unknown;
  /** The raw request body. */
  rawBody: Buffer;
  /** The authenticated client id; `undefined` for an unauthenticated request. */
  clientId: string | undefined;
  /** The scopes granted to this request (empty when unauthenticated). */
  scopes: readonly string[];
  /** The server's clock, in epoch milliseconds. */
  now: number;
  /**
   * Aborts when the client goes away before the answer is sent (its connection closed): a slow
   * handler can stop, and a test can see that a request was cut off.
   */
  signal: AbortSignal;
  /**
   * Answers 403 `InsufficientScopes` unless the granted scopes satisfy one of the
   * conjunctions (disjunctive normal form: `[['a', 'b'], ['c']]` means a and b, or c).
   */
  requireScopes(requiredDnf: readonly string[][]): void;
}

/** What a handler answers. `json` is serialized; `body` is sent as is. */
export interface RouteResponse {
  /** HTTP status; defaults to 200. */
  status?: number;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (used when `json` is absent). */
  body?: Uint8Array | string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** A route handler; throw a `SimulatedApiError` to answer with an error. */
export type RouteHandler = (context: RouteContext) => RouteResponse | Promise<RouteResponse>;

/** Options of one route. */
export interface RouteOptions {
  /** The API method name reported in errors' `requestInfo` (defaults to the pattern). */
  name?: string;
  /**
   * A plain storage URL (like S3), not a Taskcluster API: no Hawk, and a request that carries
   * an `Authorization` header is refused, since a client must never send its credentials there.
   */
  plain?: boolean;
  /**
   * `false` for a route that only answers that its method is not simulated: it is left out of
   * `apiRoutes()`, so the deployment's references list only what it simulates.
   */
  simulated?: boolean;
}

/** One registered route. */
export interface Route {
  /** Identifies the route for faults and attempt counts: `<METHOD> <full path pattern>`. */
  key: string;
  method: RouteMethod;
  /** The full path pattern, e.g. `/api/queue/v1/task/<taskId>`. */
  pattern: string;
  handler: RouteHandler;
  options: RouteOptions;
  /** Compiled pattern: literal segments, or `{ param }` placeholders. */
  segments: readonly (string | { param: string })[];
}

/** A matched route and its decoded parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

const PARAM_SEGMENT = /^<([A-Za-z0-9_]+)>$/;

/** The key that identifies a route: its method and full path pattern. */
export function routeKey(method: RouteMethod, pattern: string): string {
  return `${method} ${pattern}`;
}

/** Turns a pattern like `/task/<taskId>` into segments. */
function compile(pattern: string): (string | { param: string })[] {
  return pattern
    .split('/')
    .slice(1)
    .map((segment) => {
      const param = PARAM_SEGMENT.exec(segment);
      return param ? { param: param[1]! } : segment;
    });
}

/** The `<param>` placeholders of a pattern, in order: the arguments of its API method. */
export function routeParams(pattern: string): string[] {
  return compile(pattern).flatMap((segment) =>
    typeof segment === 'string' ? [] : [segment.param],
  );
}

/** Routes requests to handlers; the first registered match wins. */
export class RouteTable {
  readonly #routes: Route[] = [];

  /** Registers a handler; registering the same method and pattern again replaces it. */
  add(method: RouteMethod, pattern: string, handler: RouteHandler, options: RouteOptions = {}) {
    const key = routeKey(method, pattern);
    const route: Route = { key, method, pattern, handler, options, segments: compile(pattern) };
    const existing = this.#routes.findIndex((r) => r.key === key);
    if (existing >= 0) {
      this.#routes[existing] = route;
    } else {
      this.#routes.push(route);
    }
  }

  /** Finds the route for a method and a still-encoded path, or `undefined`. */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = path.split('/').slice(1);
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== parts.length) {
        continue;
      }
      const params = matchSegments(route.segments, parts);
      if (params) {
        return { route, params };
      }
    }
    return undefined;
  }
}

function matchSegments(
  segments: readonly (string | { param: string })[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i]!;
    if (typeof segment === 'string') {
      if (segment !== part) {
        return undefined;
      }
      continue;
    }
    if (part === '') {
      return undefined;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    params[segment.param] = decoded;
  }
  return params;
}

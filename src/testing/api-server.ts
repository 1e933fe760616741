/**
 * The HTTP core of the simulated Taskcluster deployment: a real server on loopback that routes
 * `/api/<service>/<version>/<route>` to handlers, authenticates requests as Taskcluster's auth
 * service does, records every request, and applies injected faults.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestInfo } from './api-error.js';
import { SimulatedAuth } from './auth-store.js';
import { type Authentication, authenticateRequest, HAWK_TIMESTAMP_SKEW_S } from './authenticate.js';
import type { SimulatedClient } from './clients.js';
import { runHandler } from './dispatch.js';
import { applyFault, type Fault, FaultQueues } from './faults.js';
import { type EncodedResponse, errorResponse, readBody, writeResponse } from './http-io.js';
import { NonceRegistry } from './nonces.js';
import {
  type RouteHandler,
  type RouteMatch,
  type RouteMethod,
  type RouteOptions,
  RouteTable,
  routeKey,
} from './routes.js';

/** The API version in every simulated service's path. */
export const SIMULATED_API_VERSION = 'v1';
/** The loopback address the server listens on. */
export const SIMULATED_SERVER_HOST = '127.0.0.1';

/** Options of the loopback API server that `startTaskclusterServer` builds on. */
export interface ApiServerOptions {
  /** Permanent clients of the simulated deployment, by client id. */
  clients?: Record<string, SimulatedClient>;
  /** The server's clock in epoch ms (for Hawk timestamps, bewits and certificates). */
  now?: () => number;
  /** The port to listen on; defaults to a random free port. */
  port?: number;
  /**
   * Roles by role id: the scopes that `assume:<roleId>` grants (a role id may end in `*`, and
   * its scopes may use `<..>`, as in Taskcluster). Clients' scopes expand through them.
   */
  roles?: Record<string, string[]>;
  /**
   * Scopes granted to unauthenticated requests, besides those of the `anonymous` role when
   * `roles` has one; none by default.
   */
  anonymousScopes?: string[];
}

/** One request as the server saw it. Secrets (the Authorization header, a bewit) are left out. */
export interface RecordedRequest {
  /** The HTTP method. */
  method: string;
  /** The path as sent (percent-encoded). */
  path: string;
  /** Query parameters, without the bewit. */
  query: Record<string, string>;
  /** Request headers (lower-case names), without `authorization`. */
  headers: Record<string, string | string[] | undefined>;
  /** The JSON payload, the raw body as text when it is not JSON, or `undefined` without one. */
  body: unknown;
  /** The key of the matched route (`GET /api/queue/v1/task/<taskId>`), if one matched. */
  route: string | undefined;
  /** The API method of the matched route (`task`, `listArtifacts`), if one matched. */
  name: string | undefined;
  /** 1 for the first request to this route, 2 for the next (a retry), and so on. */
  attempt: number;
  /** How the request authenticated. */
  auth: 'anonymous' | 'hawk' | 'bewit' | 'failed' | 'none';
  /** The authenticated client id. */
  clientId: string | undefined;
  /** The scopes granted to the request. */
  scopes: readonly string[];
  /** The fault applied to this request, if any. */
  fault: Fault['type'] | undefined;
  /** The status answered; `undefined` until answered, and for a reset connection. */
  status: number | undefined;
  /** When the request arrived, in `performance.now()` milliseconds: the gaps between retries. */
  receivedAt: number;
}

/** An API route of the server, as its service registered it. */
export interface ApiRoute {
  /** The service, e.g. `queue`. */
  readonly service: string;
  /** The HTTP method, lower-case as the API references write it. */
  readonly method: string;
  /** The route below `/api/<service>/v1`, with `<param>` placeholders, e.g. `/task/<taskId>`. */
  readonly route: string;
  /** The API method's name (`createTask`), when the route was registered with one. */
  readonly name: string | undefined;
}

/** A running simulated API server. */
export interface ApiServer {
  /**
   * The root URL to give clients, e.g. `http://127.0.0.1:39123`. Hawk MACs are checked against
   * this host and port, so clients must use it as is (not `localhost`).
   */
  readonly rootUrl: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /**
   * Registers a handler for `<METHOD> /api/<service>/v1<route>`; `route` uses `<param>`
   * placeholders as the API references do. Returns the route key.
   */
  route(
    service: string,
    method: string,
    route: string,
    handler: RouteHandler,
    options?: RouteOptions,
  ): string;
  /** Registers a plain (non-API, no Hawk) handler for a full path pattern. Returns the route key. */
  plainRoute(method: string, pattern: string, handler: RouteHandler): string;
  /**
   * The API routes registered with `route` so far (but those of methods not simulated), in the
   * order they were first registered.
   */
  apiRoutes(): readonly ApiRoute[];
  /** The key of the API route `<METHOD> /api/<service>/v1<route>`, for faults and attempts. */
  routeKey(service: string, method: string, route: string): string;
  /** Adds or replaces a permanent client. */
  addClient(clientId: string, client: SimulatedClient): void;
  /** The clients and roles requests authenticate with (the auth service's state). */
  readonly auth: SimulatedAuth;
  /** Queues faults for the next requests to a route (by key), one per request. */
  injectFaults(key: string, ...faults: Fault[]): void;
  /** How many requests reached a route (by key), faulted ones included. */
  attempts(key: string): number;
  /** The server's clock in epoch ms. */
  now(): number;
  /** Stops listening and closes every connection; calling it again returns the same promise. */
  close(): Promise<void>;
}

const METHODS: readonly RouteMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];

function toMethod(method: string): RouteMethod {
  const upper = method.toUpperCase() as RouteMethod;
  if (!METHODS.includes(upper)) {
    throw new TypeError(`Unsupported HTTP method: ${method}`);
  }
  return upper;
}

/** A route as the references write it: with its leading `/`. */
function withLeadingSlash(route: string): string {
  return route.startsWith('/') ? route : `/${route}`;
}

/** The full path pattern of an API route. */
function apiPattern(service: string, route: string): string {
  return `/api/${service}/${SIMULATED_API_VERSION}${withLeadingSlash(route)}`;
}

/** Parses a JSON body; a body that is not JSON is kept as text. */
function parseBody(rawBody: Buffer): { body: unknown; json: boolean } {
  if (rawBody.length === 0) {
    return { body: undefined, json: true };
  }
  const text = rawBody.toString('utf8');
  try {
    return { body: JSON.parse(text), json: true };
  } catch {
    return { body: text, json: false };
  }
}

/** A request matched to a route, with what the server has read of it so far. */
interface RoutedRequest {
  req: IncomingMessage;
  match: RouteMatch;
  rawBody: Buffer;
  bewit: string | undefined;
  parsed: { body: unknown; json: boolean };
  url: URL;
  record: RecordedRequest;
  requestInfo: RequestInfo;
  /** Aborts when the client goes away before the answer is sent. */
  gone: AbortSignal;
}

/** Headers safe to record: the Authorization header carries a MAC and is left out. */
function withoutAuthorization(
  headers: IncomingMessage['headers'],
): Record<string, string | string[] | undefined> {
  const { authorization: _authorization, ...rest } = headers;
  return rest;
}

/** Grants of an authentication outcome. */
function grants(
  auth: Authentication,
  anonymousScopes: () => string[],
): { clientId: string | undefined; scopes: string[] } {
  return auth.type === 'authenticated'
    ? { clientId: auth.clientId, scopes: auth.scopes }
    : { clientId: undefined, scopes: anonymousScopes() };
}

/** The role whose scopes unauthenticated requests get, as in a Taskcluster deployment. */
export const ANONYMOUS_ROLE = 'anonymous';

/**
 * Starts a simulated API server on 127.0.0.1 and a random port, with no routes: services
 * register theirs. Unknown routes answer 404 `ResourceNotFound`.
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const now = options.now ?? Date.now;
  const auth = new SimulatedAuth(now);
  for (const [clientId, client] of Object.entries(options.clients ?? {})) {
    auth.setClient(clientId, client);
  }
  for (const [roleId, scopes] of Object.entries(options.roles ?? {})) auth.setRole(roleId, scopes);
  const anonymousScopes = () =>
    options.anonymousScopes === undefined && options.roles?.[ANONYMOUS_ROLE] === undefined
      ? []
      : auth.expand([
          ...(options.anonymousScopes ?? []),
          ...(options.roles?.[ANONYMOUS_ROLE] === undefined ? [] : [`assume:${ANONYMOUS_ROLE}`]),
        ]);
  const routes = new RouteTable();
  // By route key, so that a route registered again replaces its entry as it replaces its handler.
  const apiRoutes = new Map<string, ApiRoute>();
  const faults = new FaultQueues();
  const attempts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  const nonces = new NonceRegistry(2 * HAWK_TIMESTAMP_SKEW_S * 1000);
  let port = 0;
  let closed: Promise<void> | undefined;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', `http://${SIMULATED_SERVER_HOST}`);
    const bewit = url.searchParams.get('bewit') ?? undefined;
    url.searchParams.delete('bewit');
    const match = routes.match(req.method ?? 'GET', url.pathname);
    const key = match?.route.key;
    const attempt = key === undefined ? 1 : (attempts.get(key) ?? 0) + 1;
    if (key !== undefined) {
      attempts.set(key, attempt);
    }
    const parsed = parseBody(rawBody);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: withoutAuthorization(req.headers),
      body: parsed.body,
      route: key,
      name: match?.route.options.name,
      attempt,
      auth: 'none',
      clientId: undefined,
      scopes: [],
      fault: undefined,
      status: undefined,
      receivedAt,
    };
    requests.push(record);
    const requestInfo: RequestInfo = {
      method: match?.route.options.name ?? url.pathname,
      params: match?.params ?? {},
      payload: parsed.body ?? {},
      time: new Date(now()).toISOString(),
    };
    const respond = (response: EncodedResponse, truncate = false) => {
      record.status = response.status;
      writeResponse(res, response, truncate);
    };

    const fault = key === undefined ? undefined : faults.take(key);
    record.fault = fault?.type;
    const outcome = await applyFault(fault, req, respond, requestInfo, closing.signal);
    if (outcome.type === 'done') {
      return;
    }
    if (!match) {
      respond(
        errorResponse(404, 'ResourceNotFound', `No such route: ${url.pathname}`, requestInfo),
      );
      return;
    }
    const response = await answer({
      req,
      match,
      rawBody,
      bewit,
      parsed,
      url,
      record,
      requestInfo,
      gone: gone.signal,
    });
    respond(response, outcome.truncate);
  }

  /** Authenticates a routed request (unless plain) and runs its handler. */
  async function answer(request: RoutedRequest): Promise<EncodedResponse> {
    const { req, match, rawBody, bewit, parsed, url, record, requestInfo, gone } = request;
    const { route, params } = match;
    let granted: { clientId: string | undefined; scopes: string[] } = {
      clientId: undefined,
      scopes: [],
    };
    if (route.options.plain) {
      if (req.headers.authorization !== undefined || bewit !== undefined) {
        return errorResponse(
          400,
          'InvalidRequest',
          'Storage URLs take no Authorization header and no bewit',
          requestInfo,
        );
      }
    } else {
      const authentication = await authenticateRequest(req, bewit, rawBody, {
        lookup: auth.lookup,
        expand: (scopes) => auth.expand(scopes),
        now: now(),
        host: SIMULATED_SERVER_HOST,
        port,
        nonces,
      });
      record.auth =
        authentication.type === 'authenticated' ? authentication.scheme : authentication.type;
      if (authentication.type === 'failed') {
        return errorResponse(401, 'AuthenticationFailed', authentication.message, requestInfo);
      }
      granted = grants(authentication, anonymousScopes);
      record.clientId = granted.clientId;
      record.scopes = granted.scopes;
      if (!parsed.json) {
        return errorResponse(400, 'MalformedPayload', 'The payload is not JSON', requestInfo);
      }
    }
    return runHandler(
      route.handler,
      {
        method: route.method,
        path: url.pathname,
        params,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: parsed.body,
        rawBody,
        clientId: granted.clientId,
        scopes: granted.scopes,
        now: now(),
        signal: gone,
      },
      requestInfo,
    );
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, SIMULATED_SERVER_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const handle: ApiServer = {
    rootUrl: `http://${SIMULATED_SERVER_HOST}:${port}`,
    requests,
    route(service, method, route, handler, routeOptions = {}) {
      const pattern = apiPattern(service, route);
      routes.add(toMethod(method), pattern, handler, {
        name: routeOptions.name ?? `${service}${route}`,
        ...routeOptions,
      });
      const key = routeKey(toMethod(method), pattern);
      if (routeOptions.simulated === false) return key;
      apiRoutes.set(key, {
        service,
        method: method.toLowerCase(),
        route: withLeadingSlash(route),
        name: routeOptions.name,
      });
      return key;
    },
    plainRoute(method, pattern, handler) {
      routes.add(toMethod(method), pattern, handler, { plain: true, name: pattern });
      return routeKey(toMethod(method), pattern);
    },
    apiRoutes() {
      return [...apiRoutes.values()];
    },
    routeKey(service, method, route) {
      return routeKey(toMethod(method), apiPattern(service, route));
    },
    addClient(clientId, client) {
      auth.setClient(clientId, client);
    },
    auth,
    injectFaults(key, ...injected) {
      faults.push(key, injected);
    },
    attempts(key) {
      return attempts.get(key) ?? 0;
    },
    now,
    close() {
      // Closing twice (a test's own cleanup and a shared afterAll) waits for the same close.
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return handle;
}

/**
 * The simulated deployment's references, in the shapes a Taskcluster deployment serves them:
 * `/references/manifest.json`; per simulated service, an API reference of the routes the
 * simulation answers (built when asked, so routes added later are in it); the queue's exchanges
 * reference for the exchanges the simulated queue publishes on; and the schemas they name under
 * `/schemas/`. What is served is what is simulated, so a client or generator reading these
 * references gets no method the simulation would answer with 404.
 */
import { REFERENCES_MANIFEST_PATH } from '../client/dynamic.js';
import { loadMessageSchemas } from '../exchanges/catalog.js';
import { QueueEvents } from '../index.js';
import { SimulatedApiError } from './api-error.js';
import { type ApiRoute, type ApiServer, SIMULATED_API_VERSION } from './api-server.js';
import { QUEUE_EXCHANGE_PREFIX, QUEUE_EXCHANGES } from './pulse-messages.js';
import { routeParams } from './routes.js';

/** The table of the exchanges the simulation publishes on: the queue's. */
const queueEventsTable = new QueueEvents().table;

/** The service whose exchanges the simulation publishes on: the queue. */
const EXCHANGE_SERVICE = queueEventsTable.serviceName;

/**
 * The input schema of every simulated route that takes a payload (PUT, POST and PATCH ones):
 * any JSON object, since the simulation checks the fields it reads itself.
 */
export const SIMULATED_PAYLOAD_SCHEMA = `${SIMULATED_API_VERSION}/simulated-payload.json#`;
const PAYLOAD_METHODS: ReadonlySet<string> = new Set(['put', 'post', 'patch']);

/**
 * Registers the references routes (plain: references are public, no Hawk). A route registered
 * without a name is left out of its service's reference, which must name every method.
 */
export function registerReferencesService(server: ApiServer): void {
  server.plainRoute('GET', `/${REFERENCES_MANIFEST_PATH}`, () => ({
    json: manifest(namedRoutes(server)),
  }));
  server.plainRoute('GET', `/references/<service>/${SIMULATED_API_VERSION}/<file>`, (ctx) => {
    const { service, file } = ctx.params as { service: string; file: string };
    if (file === 'exchanges.json' && service === EXCHANGE_SERVICE) {
      return { json: exchangesReference() };
    }
    const routes = namedRoutes(server).get(service);
    if (file !== 'api.json' || routes === undefined) throw notFound(ctx.path);
    return { json: apiReference(service, routes) };
  });
  server.plainRoute('GET', `/schemas/<service>/${SIMULATED_API_VERSION}/<file>`, async (ctx) => {
    const { service } = ctx.params as { service: string };
    const id = `${ctx.path}#`;
    if (
      id === `/schemas/${service}/${SIMULATED_PAYLOAD_SCHEMA}` &&
      namedRoutes(server).has(service)
    ) {
      return { json: payloadSchema(id) };
    }
    const schemas =
      service === EXCHANGE_SERVICE ? ((await loadMessageSchemas(service))?.schemas ?? {}) : {};
    const schema = schemas[id];
    if (schema === undefined) throw notFound(ctx.path);
    return { json: schema };
  });
}

/** The named API routes by service, services and each service's routes in name order. */
function namedRoutes(server: ApiServer): Map<string, ApiRoute[]> {
  const byService = new Map<string, ApiRoute[]>();
  for (const route of server.apiRoutes()) {
    if (route.name === undefined) continue;
    byService.set(route.service, [...(byService.get(route.service) ?? []), route]);
  }
  return new Map(
    [...byService.keys()]
      .sort()
      .map((service) => [service, byService.get(service)!.sort(byName)] as const),
  );
}

function manifest(routes: ReadonlyMap<string, readonly ApiRoute[]>) {
  const references = [
    ...[...routes.keys()].map((service) => referencePath(service, 'api')),
    referencePath(EXCHANGE_SERVICE, 'exchanges'),
  ].sort();
  return { $schema: '/schemas/common/manifest-v3.json#', references };
}

function referencePath(service: string, kind: 'api' | 'exchanges'): string {
  return `/references/${service}/${SIMULATED_API_VERSION}/${kind}.json`;
}

/**
 * An API reference of the routes: their names, methods, routes and route parameters, and the
 * payload schema for those that take one; no query options, no output schemas.
 */
function apiReference(service: string, routes: readonly ApiRoute[]) {
  return {
    $schema: '/schemas/common/api-reference-v0.json#',
    apiVersion: SIMULATED_API_VERSION,
    serviceName: service,
    title: `Simulated ${service} service`,
    entries: routes.map((route) => ({
      type: 'function',
      name: route.name!,
      title: route.name!,
      method: route.method,
      route: route.route,
      args: routeParams(route.route),
      query: [],
      ...(PAYLOAD_METHODS.has(route.method) ? { input: SIMULATED_PAYLOAD_SCHEMA } : {}),
      stability: 'stable',
    })),
  };
}

/** The queue's exchanges reference, with only the exchanges the simulated queue publishes on. */
function exchangesReference() {
  const published = new Set(Object.values(QUEUE_EXCHANGES));
  return {
    $schema: '/schemas/common/exchanges-reference-v0.json#',
    apiVersion: queueEventsTable.apiVersion,
    serviceName: EXCHANGE_SERVICE,
    title: queueEventsTable.title,
    exchangePrefix: QUEUE_EXCHANGE_PREFIX,
    entries: queueEventsTable.entries
      .filter((entry) => published.has(entry.exchange))
      .map((entry) => ({
        type: 'topic-exchange',
        name: entry.name,
        title: entry.title,
        exchange: entry.exchange,
        routingKey: entry.routingKey,
        schema: entry.schema,
      })),
  };
}

function payloadSchema(id: string) {
  return {
    $schema: 'http://json-schema.org/draft-06/schema#',
    $id: id,
    title: 'Simulated Payload',
    type: 'object',
  };
}

function notFound(path: string): SimulatedApiError {
  return new SimulatedApiError(404, 'ResourceNotFound', `No such reference or schema: ${path}`);
}

/** Name order (the default string order: by code unit, the same on every machine). */
function byName(a: ApiRoute, b: ApiRoute): number {
  return a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0;
}

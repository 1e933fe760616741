/**
 * Simulated API methods driven by a service's generated table, as Taskcluster's services
 * declare theirs: each method's route, name and scope expression come from the table; its
 * payload is checked against its input schema before its handler runs, its scopes as the
 * expression requires them, and its answer against its output schema before it is sent. A
 * method of the table that the simulation does not implement answers 404 naming it.
 */
import type { ValidateFunction } from 'ajv';
import type { ApiEntry, ApiTable } from '../client/reference.js';
import { createSchemaCompiler, schemaErrors } from '../consumer/schema.js';
import { notFound, SimulatedApiError } from './api-error.js';
import type { ApiServer } from './api-server.js';
import { apiSchemaLoaders } from './generated/api-schemas.js';
import { pingHandler } from './ping.js';
import type { RouteContext, RouteHandler, RouteResponse } from './routes.js';
import { expressionParameters, requiredScopes, type ScopeParameters } from './scope-expressions.js';

/** What a simulated method's handler receives. */
export interface MethodContext extends RouteContext {
  /**
   * Checks the method's scope expression with the route's parameters and `parameters` (what
   * the real service looks up or reads from the payload, e.g. a task's `schedulerId`);
   * answers 403 `InsufficientScopes` unless the request's scopes satisfy it. A handler whose
   * expression needs more than the route's parameters must call it before it changes anything.
   */
  authorize(parameters?: ScopeParameters): void;
}

/** A simulated method; its `json` answer must match the method's output schema. */
export type MethodHandler = (ctx: MethodContext) => RouteResponse | Promise<RouteResponse>;

/** Handlers by method name (the table's `name`). */
export type SimulatedMethods = Readonly<Record<string, MethodHandler>>;

/** A 400 `InputValidationError` listing what the schema found. */
function inputValidationError(entry: ApiEntry, findings: string[]): SimulatedApiError {
  return new SimulatedApiError(
    400,
    'InputValidationError',
    `Schema validation failed against ${entry.input}:\n${findings.map((f) => `  * ${f}`).join('\n')}`,
  );
}

/** The `$id` of a schema an entry names relative to its service (`v1/task.json#`). */
function schemaId(serviceName: string, relative: string): string {
  return `/schemas/${serviceName}/${relative}`;
}

/** Each service's validators, compiled once per process: every server and fake check shares them. */
const validatorsByService = new Map<string, Promise<(relative: string) => ValidateFunction>>();

/**
 * The validators of a service's input and output schemas, by the name its table gives them
 * (`v1/task.json#`); the service's schemas load on its first call, each compiles on first use.
 * @throws {TypeError} for a service the references do not hold.
 */
export function schemaValidators(
  serviceName: string,
): Promise<(relative: string) => ValidateFunction> {
  const loader = apiSchemaLoaders[serviceName];
  if (loader === undefined) throw new TypeError(`no API schemas for the ${serviceName} service`);
  let validators = validatorsByService.get(serviceName);
  if (validators === undefined) {
    validators = loader().then(({ schemas }) => {
      const ajv = createSchemaCompiler();
      for (const schema of Object.values(schemas)) ajv.addSchema(schema);
      return (relative: string) => {
        const validate = ajv.getSchema(schemaId(serviceName, relative));
        if (validate === undefined) throw new TypeError(`no schema ${relative} for ${serviceName}`);
        return validate;
      };
    });
    validatorsByService.set(serviceName, validators);
  }
  return validators;
}

/** Whether a handler must call `authorize` itself: its expression needs more than the route. */
function needsHandlerParameters(entry: ApiEntry): boolean {
  if (entry.scopes === undefined) return false;
  return [...expressionParameters(entry.scopes)].some((name) => !entry.args.includes(name));
}

/** The route handler of one simulated method: checks around the simulation's own handler. */
function methodRoute(
  table: ApiTable,
  entry: ApiEntry,
  handler: MethodHandler,
  validator: (relative: string) => ValidateFunction,
): RouteHandler {
  const qualified = `${table.serviceName}.${entry.name}`;
  const byHandler = needsHandlerParameters(entry);
  return async (route) => {
    if (entry.input !== undefined) {
      const validate = validator(entry.input);
      if (!validate(route.body)) throw inputValidationError(entry, schemaErrors(validate));
    }
    let authorized = entry.scopes === undefined;
    const ctx: MethodContext = {
      ...route,
      authorize(parameters = {}) {
        if (entry.scopes !== undefined) {
          route.requireScopes(requiredScopes(entry.scopes, { ...route.params, ...parameters }));
        }
        authorized = true;
      },
    };
    if (!byHandler) ctx.authorize();
    const response = await handler(ctx);
    if (!authorized) {
      // Every path through a handler checks its scopes: one that does not is a bug here.
      throw new Error(`${qualified} answered without checking its scopes`);
    }
    const status = response.status ?? 200;
    if (entry.output !== undefined && status >= 200 && status < 300) {
      const validate = validator(entry.output);
      if (!validate(response.json)) {
        throw new Error(
          `the simulated answer of ${qualified} does not match ${entry.output}: ${schemaErrors(validate).join('; ')}`,
        );
      }
    }
    return response;
  };
}

/** The answer of a method the simulation does not implement. */
function notSimulated(table: ApiTable, entry: ApiEntry): RouteHandler {
  return () => {
    throw notFound(
      `${table.serviceName}.${entry.name} (${entry.method.toUpperCase()} ${entry.route}) is not simulated`,
    );
  };
}

/**
 * Registers a service's methods on the server from its generated table: `methods` answer
 * theirs (and `ping` is answered for every simulated service), every other method of the
 * table answers 404 `ResourceNotFound` naming it.
 * @throws {TypeError} when `methods` names a method the table does not have.
 */
export async function registerApiMethods(
  server: ApiServer,
  table: ApiTable,
  methods: SimulatedMethods = {},
): Promise<void> {
  const entries = new Map(table.entries.map((entry) => [entry.name, entry]));
  const unknown = Object.keys(methods).filter((name) => !entries.has(name));
  if (unknown.length > 0) {
    throw new TypeError(`the ${table.serviceName} service has no method ${unknown.join(', ')}`);
  }
  const simulated = Object.keys(methods).length > 0;
  const handlers: SimulatedMethods = simulated ? { ping: pingHandler(), ...methods } : methods;
  const validator = simulated ? await schemaValidators(table.serviceName) : undefined;
  const served = new Set<string>();
  for (const entry of table.entries) {
    const handler = handlers[entry.name];
    if (handler === undefined || validator === undefined) continue;
    server.route(
      table.serviceName,
      entry.method,
      entry.route,
      methodRoute(table, entry, handler, validator),
      {
        name: entry.name,
      },
    );
    served.add(server.routeKey(table.serviceName, entry.method, entry.route));
  }
  for (const entry of table.entries) {
    const key = server.routeKey(table.serviceName, entry.method, entry.route);
    // A removed method may share its route with its successor (queue.completeArtifact).
    if (handlers[entry.name] !== undefined || served.has(key)) continue;
    server.route(table.serviceName, entry.method, entry.route, notSimulated(table, entry), {
      name: entry.name,
      simulated: false,
    });
    served.add(key);
  }
}

/**
 * taskcluster-pulse: typed Taskcluster exchange bindings, a Pulse consumer as RxJS streams,
 * and the Hawk-signed Taskcluster REST client. This file is the whole public surface.
 *
 * @packageDocumentation
 */

export type {
  ApiMethod,
  CallOptions,
  MethodShape,
  NamedParams,
  ParamValue,
  QueryOf,
} from './client/calling.js';
export type { Certificate, ClientOptions, Credentials, Logger } from './client/options.js';

// REST client: options, calling conventions, tables.
export {
  DEFAULT_MAX_RETRIES,
  DEFAULT_SIGNED_URL_EXPIRATION_S,
  DEFAULT_TIMEOUT_MS,
} from './client/options.js';
export type { ApiEntry, ApiTable, HttpMethod, ScopeExpression } from './client/reference.js';
// Consumer: the broker contract.
export type {
  Delivery,
  DeliveryFields,
  MessageProperties,
  PublishOptions,
  Transport,
  TransportChannel,
  TransportConfirmChannel,
  TransportConnection,
} from './consumer/transport.js';
export type { ErrorOptions } from './errors.js';
// Errors shared by every module.
export { InputError, TaskclusterPulseError } from './errors.js';
// Exchanges: bindings and routing keys.
export type {
  ParsedRoutingKey,
  RoutingKeyFilter,
  RoutingKeyParser,
} from './exchanges/routing-key.js';
export {
  buildRoutingKeyPattern,
  compileRoutingKeyParser,
  parseRoutes,
  RoutingKeyError,
  taskRouteBinding,
} from './exchanges/routing-key.js';
export type {
  Binding,
  ExchangeEntry,
  ExchangeTable,
  PayloadOf,
  RoutingKeyField,
  RoutingOf,
} from './exchanges/types.js';
// Testing: the simulated Taskcluster deployment (a Hawk-verifying loopback server).
export type { ApiErrorBody, RequestInfo } from './testing/api-error.js';
export { SimulatedApiError } from './testing/api-error.js';
export type { SimulatedClient } from './testing/clients.js';
export type { Fault } from './testing/faults.js';
export type {
  RouteContext,
  RouteHandler,
  RouteMethod,
  RouteOptions,
  RouteResponse,
} from './testing/routes.js';
export type {
  RecordedRequest,
  TaskclusterServer,
  TaskclusterServerOptions,
} from './testing/server.js';
export { startTaskclusterServer } from './testing/server.js';

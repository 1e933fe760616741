/**
 * taskcluster-pulse/testing: a simulated Taskcluster deployment (a loopback server that verifies
 * Hawk, with the queue, auth, object, index, secrets, hooks and notify services) and simulated
 * task groups played onto a broker, for the demo and users' handler tests; and test brokers
 * and clusters. A separate entry point so that bots, which never need it, do not load it (nor
 * the server side of Hawk) at start-up.
 *
 * @packageDocumentation
 */

// The simulated Taskcluster deployment: a Hawk-verifying loopback server and its services.
export type {
  RecordedRequest,
  TaskclusterServer,
  TaskclusterServerOptions,
} from './server.js';
export { SIMULATED_SERVICES, startTaskclusterServer } from './server.js';
export type { ApiRoute, ApiServer, ApiServerOptions } from './api-server.js';
export { ANONYMOUS_ROLE } from './api-server.js';
export type { ApiErrorBody, RequestInfo } from './api-error.js';
export { SimulatedApiError } from './api-error.js';
export type {
  RouteContext,
  RouteHandler,
  RouteMethod,
  RouteOptions,
  RouteResponse,
} from './routes.js';
export type { Fault } from './faults.js';
export { responseSchemas } from './response-schemas.js';
export type { SimulatedClient } from './clients.js';
export type {
  ClientDescription,
  ClientRequest,
  RoleDescription,
  SimulatedAuth,
} from './auth-store.js';
export type {
  ClaimedRun,
  CredentialIssuer,
  QueueMessageListener,
  SimulatedQueue,
  TaskOutcome,
  TaskRunPlan,
  WorkerRef,
} from './queue.js';
export { DEFAULT_WORKER } from './queue.js';
export { simulatedTaskDefinition } from './task-definition.js';
export type { ArtifactInput } from './queue-artifacts.js';
export type {
  AddObjectOptions,
  ObjectHashes,
  SimulatedObject,
  SimulatedObjectService,
} from './object-service.js';
export type { SimulatedStorage } from './storage.js';
export type { IndexedTask, SimulatedIndex } from './index-service.js';
export type { SimulatedSecret, SimulatedSecrets } from './secrets-service.js';
export type { HookDefinition, HookFire, SimulatedHooks } from './hooks-service.js';
export { HOOKS_CLIENT_ID } from './hooks-service.js';
export type { TemplateContext } from './hook-templates.js';
export { HookTemplateError } from './hook-templates.js';
export type {
  NotificationType,
  SimulatedNotification,
  SimulatedNotify,
} from './notify-service.js';

// The queue's Pulse messages, built as its exchange schemas define them.
export type {
  ArtifactCreatedPayload,
  QueueMessage,
  RunRef,
  TaskDefinedPayload,
  TaskExceptionPayload,
  TaskGroupChangedPayload,
  TaskPendingPayload,
  TaskPulseDefinition,
  TaskResolvedPayload,
  TaskRunningPayload,
} from './pulse-messages.js';
export {
  artifactCreatedMessage,
  QUEUE_EXCHANGE_PREFIX,
  taskDefinedMessage,
  taskExceptionMessage,
  taskGroupResolvedMessage,
  taskPendingMessage,
  taskResolvedMessage,
  taskRunningMessage,
} from './pulse-messages.js';

// Simulated task groups played onto a broker: the demo and users' handler tests.
export type { ForwardOptions, QueueMessageForwarder } from './demo/forward.js';
export { forwardQueueMessages } from './demo/forward.js';
export type {
  PlannedTask,
  PlayedTaskGroup,
  PlayOptions,
  TaskGroupPlan,
} from './demo/lifecycle.js';
export {
  checkPlan,
  DEFAULT_STEP_DELAY_MS,
  defineTaskGroup,
  playTaskGroup,
  SIMULATED_WORKER_COUNT,
} from './demo/lifecycle.js';
export { DEMO_TASK_GROUP } from './demo/plans.js';
export type { Simulation, SimulationOptions } from './demo/simulation.js';
export {
  SIMULATION_CLIENT_ID,
  SIMULATION_CLIENT_SCOPES,
  SIMULATION_NAMESPACE,
  startSimulation,
} from './demo/simulation.js';

// A RabbitMQ for tests: a container, the local broker, or PULSE_TEST_URL's.
export type {
  TestBroker,
  TestBrokerChoice,
  TestBrokerOptions,
  TestBrokerSource,
} from './test-broker.js';
export {
  DEFAULT_TEST_BROKER_IMAGE,
  LOCAL_TEST_BROKER_URL,
  PULSE_TEST_BROKER_ENV,
  PULSE_TEST_CONTAINER_ENV,
  PULSE_TEST_IMAGE_ENV,
  PULSE_TEST_URL_ENV,
  startTestBroker,
} from './test-broker.js';
export type { TestBrokerErrorCode } from './test-broker-error.js';
export { TestBrokerError } from './test-broker-error.js';

// A RabbitMQ cluster in Docker whose nodes can be killed, paused and partitioned.
export type {
  PartitionHandling,
  TestCluster,
  TestClusterNode,
  TestClusterNodeState,
  TestClusterOptions,
  TestClusterRecovery,
} from './test-cluster.js';
export {
  DEFAULT_TEST_CLUSTER_NET_TICKTIME_S,
  DEFAULT_TEST_CLUSTER_SIZE,
  startTestCluster,
} from './test-cluster.js';

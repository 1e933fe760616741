/**
 * taskcluster-pulse: typed Taskcluster exchange bindings, a Pulse consumer as RxJS streams,
 * and the Hawk-signed Taskcluster REST client. This file is the whole public surface of the main
 * entry point; the simulated Taskcluster for tests is the `taskcluster-pulse/testing` entry
 * (src/testing/index.ts).
 *
 * @packageDocumentation
 */

// Exchanges: the runtime that turns an exchange table into binding methods, and routing keys.
export type {
  Binding,
  ExchangeEntry,
  ExchangeTable,
  PayloadOf,
  RoutingKeyField,
  RoutingOf,
} from './exchanges/types.js';
export type {
  EventsClass,
  EventsClient,
  EventsOptions,
  ExchangeLookup,
  ExchangeMethod,
  RoutingFilter,
} from './exchanges/events.js';
export { defineEvents } from './exchanges/events.js';
export type {
  ParsedRoutingKey,
  RoutingKeyFilter,
  RoutingKeyParser,
} from './exchanges/routing-key.js';
export {
  bindingParser,
  buildRoutingKeyPattern,
  compileRoutingKeyParser,
  parseRoutes,
  RoutingKeyError,
  routingKeyParser,
  taskRouteBinding,
} from './exchanges/routing-key.js';
export { buildRoutingKey } from './exchanges/routing-key-builder.js';

// Exchanges, generated: one events class per exchange service, with its message types.
export type {
  AuthEventsMethods,
  ClientMessage,
  RoleMessage,
} from './exchanges/generated/auth-events.js';
export { AuthEvents } from './exchanges/generated/auth-events.js';
export type {
  GithubEventsMethods,
  GithubPullRequestMessage,
  GithubPushMessage,
  GithubReleaseMessage,
} from './exchanges/generated/github-events.js';
export { GithubEvents } from './exchanges/generated/github-events.js';
export type {
  HooksEventsMethods,
  PulseHookChangedMessage,
} from './exchanges/generated/hooks-events.js';
export { HooksEvents } from './exchanges/generated/hooks-events.js';
export type {
  NotificationMessage,
  NotifyEventsMethods,
} from './exchanges/generated/notify-events.js';
export { NotifyEvents } from './exchanges/generated/notify-events.js';
export type {
  ArtifactCreatedMessage,
  QueueEventsMethods,
  TaskCompletedMessage,
  TaskDefinedMessage,
  TaskExceptionMessage,
  TaskFailedMessage,
  TaskGroupChangedMessage,
  TaskPendingMessage,
  TaskRunningMessage,
} from './exchanges/generated/queue-events.js';
export { QueueEvents } from './exchanges/generated/queue-events.js';
export type { PulseJob, TreeherderEventsMethods } from './exchanges/generated/treeherder-events.js';
export { TreeherderEvents } from './exchanges/generated/treeherder-events.js';
export type {
  PulseWorkerPoolMessage,
  WorkerManagerEventsMethods,
} from './exchanges/generated/worker-manager-events.js';
export { WorkerManagerEvents } from './exchanges/generated/worker-manager-events.js';

// Consumer: connect, consume, handle and publish, with their options and defaults.
export { connect, PulseClient } from './consumer/pulse.js';
export { connectOrFail } from './consumer/connect-or-fail.js';
export type {
  BrokerAddress,
  ConnectionOptions,
  ConsumerOptions,
  HandlerOptions,
  PulseCredentials,
  QueueOptions,
  RetryDelayFunction,
  TlsOptions,
} from './consumer/options.js';
export {
  DEAD_LETTER_PREVIEW_CHARS,
  DEAD_LETTER_READ_TIMEOUT_MS,
  DEAD_LETTER_REFRESH_DELIVERIES,
  DEAD_LETTER_SETTLE_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_DEAD_LETTER_LIST_LIMIT,
  DEFAULT_GRACE_PERIOD_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_HEALTH_PORT,
  DEFAULT_HEARTBEAT_S,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PREFETCH,
  DEFAULT_PUBLISH_DEADLINE_MS,
  DEFAULT_PUBLISH_WINDOW,
  DEFAULT_QUEUE_TYPE,
  DEFAULT_RECYCLE_INTERVAL_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_MAX_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  PULSE_URL_ENV,
  SHUTDOWN_MARGIN_MS,
  SHUTDOWN_SIGNALS,
} from './consumer/options.js';
export type { AmqpTransportOptions } from './consumer/amqp-transport.js';
export { AmqpTransport, parseBrokerUrl } from './consumer/amqp-transport.js';
export type { Message, MessageOf } from './consumer/message.js';
export {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
  EXCHANGE_HEADER,
  ROUTING_KEY_HEADER,
} from './consumer/message.js';
export type { Handler, HandlerRunner } from './consumer/handler.js';
export { HANDLER_FAILED_REASON, RETRY_DELAY_FAILED_REASON } from './consumer/handler.js';
export type { ContextClients, HandlerContext } from './consumer/context.js';
export type { ExponentialBackoffOptions } from './consumer/backoff.js';
export { exponentialBackoff } from './consumer/backoff.js';
export type {
  ExchangeDefinition,
  PublisherOptions,
  PublishRequest,
  PublishResult,
  PublishTarget,
  ReturnedMessage,
} from './consumer/publisher.js';
export { defineExchange, Publisher } from './consumer/publisher.js';
export type { PayloadSchema } from './consumer/schema.js';
export type { PulseStatus, PulseStatusType } from './consumer/status.js';
export type {
  PromClientClasses,
  PromHistogram,
  PulseMetricsSnapshot,
} from './consumer/metrics.js';
export { DEFAULT_METRICS_INTERVAL_MS, PulseMetrics } from './consumer/metrics.js';
export type {
  HealthServer,
  HealthServerOptions,
  MetricsRegistry,
} from './consumer/health-server.js';
export { HealthServerError } from './consumer/health-server.js';

// Consumer: operating durable queues (their bindings, dead letters, deletion).
export type { BindingKey } from './consumer/binding-batch.js';
export type { QueueDeletion, QueueReport } from './consumer/durable-queue.js';
export { DurableQueue } from './consumer/durable-queue.js';
export type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterListing,
  DeadLetterReplay,
} from './consumer/dead-letters.js';
export { DeadLetterQueue, UNKNOWN_DEAD_REASON } from './consumer/dead-letters.js';

// Consumer: errors.
export type { PoisonReason } from './consumer/errors.js';
export {
  BrokerOperationError,
  ClosedError,
  ConnectFailedError,
  HandlerTimeoutError,
  MissingExchangeError,
  PayloadValidationError,
  PoisonMessageError,
  PublishError,
  PulseConnectionError,
  QueueArgumentsMismatchError,
  QueueInUseError,
  QueueNotFoundError,
  RetryDelayError,
} from './consumer/errors.js';

// Broker: the contract a transport implements, and the in-memory broker (demos, tests).
export type {
  MemoryBindingInfo,
  MemoryBroker,
  MemoryExchangeInfo,
  MemoryQueuedMessage,
  MemoryQueueInfo,
} from './broker/memory/memory-broker.js';
export { createMemoryBroker } from './broker/memory/memory-broker.js';
export type { DecodedProperties } from './broker/memory/message.js';
export type {
  Delivery,
  DeliveryFields,
  MessageProperties,
  PublishOptions,
  QueueType,
  BrokerTransport,
  BrokerChannel,
  BrokerConfirmChannel,
  BrokerConnection,
} from './broker/transport.js';

// REST client, generated: one class per Taskcluster service, and its main types.
export type { AuthMethods } from './client/generated/auth.js';
export { Auth } from './client/generated/auth.js';
export type { AwsProvisionerMethods } from './client/generated/aws-provisioner.js';
export { AwsProvisioner } from './client/generated/aws-provisioner.js';
export type { EC2ManagerMethods } from './client/generated/ec2-manager.js';
export { EC2Manager } from './client/generated/ec2-manager.js';
export type { GithubMethods } from './client/generated/github.js';
export { Github } from './client/generated/github.js';
export type {
  HookDefinition,
  HooksMethods,
  TriggerHookResponse,
} from './client/generated/hooks.js';
export { Hooks } from './client/generated/hooks.js';
export type {
  IndexedTaskResponse,
  IndexMethods,
  InsertTaskRequest,
} from './client/generated/index-service.js';
export { Index } from './client/generated/index-service.js';
export type { JsonValue } from './client/generated/json.js';
export type { LoginMethods } from './client/generated/login.js';
export { Login } from './client/generated/login.js';
export type { NotifyMethods } from './client/generated/notify.js';
export { Notify } from './client/generated/notify.js';
export type { ObjectServiceMethods } from './client/generated/object.js';
export { ObjectService } from './client/generated/object.js';
export type { PurgeCacheMethods } from './client/generated/purge-cache.js';
export { PurgeCache } from './client/generated/purge-cache.js';
export type {
  ArtifactResponse,
  CreateTaskRequest,
  GetArtifactResponse,
  ListArtifactsResponse,
  ListTaskGroupResponse,
  PostArtifactRequest,
  PostArtifactResponse,
  QueueMethods,
  Task as TaskDefinition,
  TaskMetadata,
  TaskRun,
  TaskStatus,
  TaskStatusResponse,
} from './client/generated/queue.js';
export { Queue } from './client/generated/queue.js';
export type { Secret, SecretsMethods } from './client/generated/secrets.js';
export { Secrets } from './client/generated/secrets.js';
export type { WebServerMethods } from './client/generated/web-server.js';
export { WebServer } from './client/generated/web-server.js';
export type { WorkerManagerMethods } from './client/generated/worker-manager.js';
export { WorkerManager } from './client/generated/worker-manager.js';

// REST client: options and defaults, calling conventions, the runtime behind the classes.
export type { Certificate, ClientOptions, Credentials } from './client/options.js';
export {
  DEFAULT_DELAY_FACTOR_MS,
  DEFAULT_IDLE_SOCKET_TIMEOUT_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_SOCKETS,
  DEFAULT_RANDOMIZATION_FACTOR,
  DEFAULT_SIGNED_URL_EXPIRATION_S,
  DEFAULT_TIMEOUT_MS,
} from './client/options.js';
export type { ResolvedClientOptions } from './client/resolved-options.js';
export { optionsFromEnvironment } from './client/environment.js';
export type {
  ApiMethod,
  CallArgs,
  CallOptions,
  MethodShape,
  NamedParams,
  ParamValue,
  QueryOf,
  RequestOptions,
  ShapeOf,
} from './client/calling.js';
export type {
  ArgsOf,
  OutputOf,
  PaginatedMethodName,
  ServiceClass,
  ServiceClient,
  ServiceOptions,
  SignedUrlOptions,
  UrlArgs,
  UrlOptions,
} from './client/service.js';
export { defineService } from './client/service.js';
export type { ApiEntry, ApiTable, HttpMethod, ScopeExpression } from './client/reference.js';
export type {
  ApiReference,
  ApiReferenceEntry,
  DynamicClient,
  DynamicMethod,
  DynamicMethods,
} from './client/dynamic.js';
export { createClient, loadReferences } from './client/dynamic.js';
export type { RestClient, RestServiceName } from './client/catalog.js';
export type { ItemOf, Pages } from './client/pagination.js';
export type { RetryPolicy } from './client/retry.js';
export type {
  FakeCall,
  FakeCalls,
  FakeMethod,
  FakeResultSchemas,
  Fakes,
} from './client/fake.js';

// REST client: credentials.
export type {
  CredentialInformation,
  CredentialInformationOptions,
} from './client/credential-information.js';
export { credentialInformation } from './client/credential-information.js';
export type { TemporaryCredentialsOptions } from './client/temporary-credentials.js';
export {
  createTemporaryCredentials,
  MAX_TEMPORARY_CREDENTIALS_SPAN_MS,
} from './client/temporary-credentials.js';

// REST client: artifacts and objects, downloads of every storage type, uploads.
export type {
  ArtifactDownload,
  DownloadArtifactOptions,
  UploadArtifactOptions,
  UploadedArtifact,
} from './client/artifacts.js';
export {
  downloadArtifact,
  UNSUPPORTED_STORAGE_TYPE,
  uploadArtifact,
} from './client/artifacts.js';
export type { ArtifactLocation, IntegrityFailure } from './client/artifact-errors.js';
export { ArtifactError, ArtifactIntegrityError } from './client/artifact-errors.js';
export type { DownloadObjectOptions } from './client/object-download.js';
export { downloadObject } from './client/object-download.js';
export type { UploadedObject, UploadObjectOptions } from './client/object-upload.js';
export { DEFAULT_UPLOAD_CONTENT_TYPE, uploadObject } from './client/object-upload.js';
export type {
  Download,
  DownloadBody,
  DownloadedFile,
  DownloadTarget,
} from './client/storage-download.js';
export type { UploadData } from './client/upload-source.js';
export type { ContentHashAlgorithm, ContentHashes } from './client/content-digest.js';

// REST client: errors.
export type {
  ConnectionFailure,
  FakeCallFailure,
  HttpErrorDetails,
  UnexpectedResponseCode,
} from './client/errors.js';
export {
  FakeCallError,
  TaskclusterAbortError,
  TaskclusterAuthenticationError,
  TaskclusterConnectionError,
  TaskclusterHttpError,
  UnexpectedResponseError,
} from './client/errors.js';

// Shared by every layer: the base errors, the logger, utilities (relative times, scopes, slugids).
export type { ErrorOptions } from './errors.js';
export { InputError, TaskclusterPulseError } from './errors.js';
export type { Logger } from './logger.js';
export { fromNow, fromNowJSON } from './utils/from-now.js';
export { scopeMatch } from './utils/scopes.js';
export type { StableSlugIdGenerator } from './utils/slugid.js';
export { slugId, stableSlugId } from './utils/slugid.js';

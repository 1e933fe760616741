/**
 * The simulated Taskcluster deployment: the Hawk-verifying API server with the auth, queue,
 * object, index, secrets, hooks and notify services, plain storage, and references of all that.
 * Every other service's methods answer 404 naming the method.
 */
import { randomBytes } from 'node:crypto';
import { awsProvisionerTable } from '../client/generated/aws-provisioner.js';
import { eC2ManagerTable } from '../client/generated/ec2-manager.js';
import { githubTable } from '../client/generated/github.js';
import { loginTable } from '../client/generated/login.js';
import { purgeCacheTable } from '../client/generated/purge-cache.js';
import { webServerTable } from '../client/generated/web-server.js';
import { workerManagerTable } from '../client/generated/worker-manager.js';
import type { ApiTable } from '../client/reference.js';
import { registerApiMethods } from './api-methods.js';
import {
  type ApiServer,
  type ApiServerOptions,
  type RecordedRequest,
  startApiServer,
} from './api-server.js';
import { registerAuthService } from './auth-service.js';
import { issueTemporaryCredentials } from './certificate.js';
import { SimulatedHooks } from './hooks-service.js';
import { SimulatedIndex } from './index-service.js';
import { SimulatedNotify } from './notify-service.js';
import { SimulatedObjectService } from './object-service.js';
import { SimulatedQueue } from './queue.js';
import { QueueArtifacts } from './queue-artifacts.js';
import { registerQueueService } from './queue-service.js';
import { registerReferencesService } from './references-service.js';
import { SimulatedSecrets } from './secrets-service.js';
import { SimulatedStorage } from './storage.js';

/** The services the simulated deployment answers for. */
export const SIMULATED_SERVICES = [
  'auth',
  'hooks',
  'index',
  'notify',
  'object',
  'queue',
  'secrets',
] as const;

/** Services whose methods all answer 404 naming the method, as not simulated. */
const NOT_SIMULATED: readonly ApiTable[] = [
  awsProvisionerTable,
  eC2ManagerTable,
  githubTable,
  loginTable,
  purgeCacheTable,
  webServerTable,
  workerManagerTable,
];

/** The queue's own client, which issues the temporary credentials of object artifacts. */
export const QUEUE_CLIENT_ID = 'static/taskcluster/queue';

export type { RecordedRequest };

/** Options of {@link startTaskclusterServer}. */
export interface TaskclusterServerOptions extends ApiServerOptions {}

/** A running simulated deployment: the API server and its services' state. */
export interface TaskclusterServer extends ApiServer {
  /** The queue's tasks, task groups and artifacts, and the lifecycle methods that drive them. */
  readonly queue: SimulatedQueue;
  /** The object service's objects and uploads. */
  readonly objects: SimulatedObjectService;
  /** Plain blob storage (the role S3 plays), served by the same server without Hawk. */
  readonly storage: SimulatedStorage;
  /** The index's namespaces (completed tasks with `index.` routes are indexed there). */
  readonly index: SimulatedIndex;
  /** The secrets service's secrets. */
  readonly secrets: SimulatedSecrets;
  /** The hooks, and the fires of each. */
  readonly hooks: SimulatedHooks;
  /** The notifications asked for (`notify.sent`): recorded, never sent. */
  readonly notify: SimulatedNotify;
}

/**
 * Starts a simulated Taskcluster deployment on 127.0.0.1 and a random port: the auth, queue,
 * object, index, secrets, hooks and notify services and plain storage, all behind Hawk
 * verification as a real deployment does it, and `/references/` of what it simulates (see
 * `loadReferences`). Each method checks its payload and its answer against the reference's
 * schemas and the scopes as its service does. A method not simulated, or an unknown route,
 * answers 404 `ResourceNotFound` naming it; tests add their own routes with `route` (named
 * ones join the references), and faults with `injectFaults`.
 *
 * @example
 * ```ts
 * const server = await startTaskclusterServer({
 *   clients: { bot: { accessToken: 'secret', scopes: ['queue:*'] } },
 * });
 * const { taskGroupId, taskIds } = server.queue.defineTaskGroup([{}, {}]);
 * server.queue.onMessage((message) => publish(message.exchange, message.routingKey, message.payload));
 * server.queue.runTask(taskIds[0], {
 *   artifacts: [{ storageType: 's3', name: 'public/log.txt', content: 'done' }],
 *   outcome: { type: 'completed' },
 * });
 * const queue = new Queue({ rootUrl: server.rootUrl, credentials: { clientId: 'bot', accessToken: 'secret' } });
 * await server.close();
 * ```
 */
export async function startTaskclusterServer(
  options: TaskclusterServerOptions = {},
): Promise<TaskclusterServer> {
  const api = await startApiServer(options);
  const now = () => api.now();
  const storage = new SimulatedStorage(api.rootUrl);
  storage.register(api);
  const objects = new SimulatedObjectService(storage, now);
  const queueClient = {
    clientId: QUEUE_CLIENT_ID,
    accessToken: randomBytes(32).toString('base64url'),
  };
  // The queue issues the credentials of object uploads and of claimed runs (whatever the
  // task's scopes), as a deployment's queue can.
  api.addClient(QUEUE_CLIENT_ID, { accessToken: queueClient.accessToken, scopes: ['*'] });
  const queue = new SimulatedQueue(
    new QueueArtifacts(storage, objects, now, queueClient),
    now,
    (scopes, expiry) => issueTemporaryCredentials(queueClient, scopes, now(), expiry),
  );
  const index = new SimulatedIndex(now);
  index.follow(queue);
  const secrets = new SimulatedSecrets(now);
  const hooks = new SimulatedHooks(now, queue);
  const notify = new SimulatedNotify(now);
  try {
    await registerAuthService(api);
    await objects.register(api);
    await registerQueueService(api, queue);
    await index.register(api);
    await secrets.register(api);
    await hooks.register(api);
    await notify.register(api);
    for (const table of NOT_SIMULATED) await registerApiMethods(api, table);
  } catch (error) {
    await api.close();
    throw error;
  }
  registerReferencesService(api);
  return Object.assign(api, { queue, objects, storage, index, secrets, hooks, notify });
}

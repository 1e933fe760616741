/**
 * The simulated Taskcluster deployment: the Hawk-verifying API server with the auth service's
 * reporting routes, the queue, the object service, plain storage, and references of all that.
 */
import { randomBytes } from 'node:crypto';
import {
  type ApiServer,
  type ApiServerOptions,
  type RecordedRequest,
  startApiServer,
} from './api-server.js';
import { registerAuthService } from './auth-service.js';
import { SimulatedObjectService } from './object-service.js';
import { registerPing } from './ping.js';
import { SimulatedQueue } from './queue.js';
import { QueueArtifacts } from './queue-artifacts.js';
import { registerQueueService } from './queue-service.js';
import { registerReferencesService } from './references-service.js';
import { SimulatedStorage } from './storage.js';

/** The services the simulated deployment answers for. */
export const SIMULATED_SERVICES = ['auth', 'queue', 'object'] as const;

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
}

/**
 * Starts a simulated Taskcluster deployment on 127.0.0.1 and a random port: the auth service's
 * reporting routes, the queue, the object service and plain storage, all behind Hawk
 * verification as a real deployment does it, and `/references/` of what it simulates (see
 * `loadReferences`). Unknown routes answer 404 `ResourceNotFound`; tests add their own with
 * `route` (named ones join the references), and faults with `injectFaults`.
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
  registerAuthService(api);
  const storage = new SimulatedStorage(api.rootUrl);
  storage.register(api);
  const objects = new SimulatedObjectService(storage, now);
  objects.register(api);
  const queueClient = {
    clientId: QUEUE_CLIENT_ID,
    accessToken: randomBytes(32).toString('base64url'),
  };
  api.addClient(QUEUE_CLIENT_ID, {
    accessToken: queueClient.accessToken,
    scopes: ['object:upload:*', 'object:download:*'],
  });
  const queue = new SimulatedQueue(new QueueArtifacts(storage, objects, now, queueClient), now);
  registerQueueService(api, queue);
  for (const service of SIMULATED_SERVICES) {
    registerPing(api, service);
  }
  registerReferencesService(api);
  return Object.assign(api, { queue, objects, storage });
}

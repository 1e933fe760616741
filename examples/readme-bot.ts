import {
  type ClientOptions,
  type ConnectionOptions,
  connect,
  optionsFromEnvironment,
  QueueEvents,
} from '../src/index.js';

/** Prints the artifacts of each task of a task group as the task completes. */
export function artifactPrinter(
  taskGroupId: string,
  broker: ConnectionOptions['broker'] = process.env.PULSE_URL, // 'amqps://user:pw@host/vhost'
  taskcluster: ClientOptions = optionsFromEnvironment(), // TASKCLUSTER_ROOT_URL, credentials
) {
  const pulse = connect({ broker, namespace: 'my-pulse-user' });
  const queueEvents = new QueueEvents();
  const runner = pulse.handle(
    {
      queueName: 'artifact-printer',
      bindings: [queueEvents.taskCompleted({ taskGroupId })],
      taskcluster,
    },
    async (message, { queue }) => {
      const { status, runId } = message.payload;
      const { artifacts } = await queue.listArtifacts(status.taskId, runId);
      console.log(`${status.taskId} completed: ${artifacts.map((a) => a.name).join(', ')}`);
    },
  );
  // ready: bound and consuming; close() acks what is running, then disconnects.
  return { ready: runner.ready, close: () => pulse.close() };
}

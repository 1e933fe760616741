import { type ClientOptions, type ConnectionOptions, connect, QueueEvents } from '../src/index.js';

/** Prints the artifacts of each task of a task group as the task completes. */
export function artifactPrinter(
  broker: ConnectionOptions['broker'], // 'amqps://user:password@pulse.example.com', or a transport
  taskcluster: ClientOptions, // { rootUrl, credentials }
  taskGroupId: string,
) {
  const pulse = connect({ broker, namespace: 'my-pulse-user' });
  const queueEvents = new QueueEvents();
  pulse.handle(
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
  return pulse; // pulse.close() acks what is running, then disconnects
}

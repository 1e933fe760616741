import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import { type CreateTaskRequest, Queue } from '../../src/client/generated/queue.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { slugId } from '../../src/utils/slugid.js';

const CREDENTIALS = { clientId: 'generated-bot', accessToken: 'generated-bot-secret-token' };
const GROUP_ID = slugId();

function taskRequest(): CreateTaskRequest {
  const now = Date.now();
  return {
    taskQueueId: 'proj-x/ci',
    taskGroupId: GROUP_ID,
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3_600_000).toISOString(),
    payload: { command: ['true'] },
    metadata: {
      name: 'n',
      description: 'd',
      owner: 'o@example.com',
      source: 'https://example.com',
    },
  };
}

describe('the generated Queue client against the Hawk-verifying server', () => {
  let server: TaskclusterServer;
  let queue: Queue;
  const taskIds = [slugId(), slugId(), slugId()];

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: {
        [CREDENTIALS.clientId]: {
          accessToken: CREDENTIALS.accessToken,
          scopes: [
            'queue:get-task:*',
            'queue:status:*',
            'queue:list-task-group:*',
            'queue:create-task:project:none',
            'queue:scheduler-id:-',
            'queue:create-task:lowest:proj-x/ci',
          ],
        },
      },
    });
    queue = new Queue({ rootUrl: server.rootUrl, credentials: CREDENTIALS });
  });
  afterAll(async () => {
    await server.close();
  });

  it('PUTs a payload with a route parameter (createTask)', async () => {
    for (const taskId of taskIds) {
      const response = await queue.createTask(taskId, taskRequest());
      expect(response.status).toMatchObject({ taskId, taskGroupId: GROUP_ID, state: 'pending' });
    }
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/api/queue/v1/task/${taskIds[2]}`,
      auth: 'hawk',
      status: 200,
    });
  });

  it('GETs with route parameters, positional and named (task, status)', async () => {
    const task = await queue.task(taskIds[0]!);
    expect(task).toMatchObject({ taskGroupId: GROUP_ID, metadata: { name: 'n' } });
    const { status } = await queue.status({ params: { taskId: taskIds[1]! } });
    expect(status.taskId).toBe(taskIds[1]);
  });

  it('sends query options and follows continuation tokens (listTaskGroup)', async () => {
    const first = await queue.listTaskGroup(GROUP_ID, { query: { limit: 2 } });
    expect(first.tasks).toHaveLength(2);
    expect(first.continuationToken).toEqual(expect.any(String));
    expect(server.requests.at(-1)).toMatchObject({
      path: `/api/queue/v1/task-group/${GROUP_ID}/list`,
      query: { limit: '2' },
    });
    const listed: string[] = [];
    for await (const page of queue.paginate('listTaskGroup', GROUP_ID, { query: { limit: 2 } })) {
      listed.push(...page.tasks.map((task) => task.status.taskId));
    }
    expect(listed.sort()).toEqual([...taskIds].sort());
  });

  it('rejects with the server error code when scopes are missing', async () => {
    const error = await queue
      .createTask(slugId(), { ...taskRequest(), priority: 'high' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect((error as TaskclusterHttpError).code).toBe('InsufficientScopes');
  });
});

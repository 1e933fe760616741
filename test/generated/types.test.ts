import { describe, expectTypeOf, it } from 'vitest';
import type { EC2Manager } from '../../src/client/generated/ec2-manager.js';
import type { JsonValue } from '../../src/client/generated/json.js';
import type {
  CreateTaskRequest,
  Queue,
  Task,
  TaskStatusResponse,
} from '../../src/client/generated/queue.js';
import type { MessageOf } from '../../src/consumer/message.js';
import type {
  QueueEvents,
  TaskCompletedMessage,
  TaskDefinedMessage,
} from '../../src/exchanges/generated/queue-events.js';
import type { PayloadOf, RoutingOf } from '../../src/exchanges/types.js';

const task: CreateTaskRequest = {
  provisionerId: 'proj',
  workerType: 'linux',
  created: '2026-01-01T00:00:00.000Z',
  deadline: '2026-01-02T00:00:00.000Z',
  payload: { command: ['true'] },
  metadata: { name: 'n', description: 'd', owner: 'o@example.com', source: 'https://example.com' },
};

/**
 * Calls that must or must not compile; never run (they would send requests). The
 * `@ts-expect-error` lines fail `npm run typecheck` if they ever compile.
 */
function compileOnly(queue: Queue, queueEvents: QueueEvents, ec2: EC2Manager): void {
  void queue.createTask('taskId', task);
  void queue.createTask(task, { taskId: 'taskId' });
  void queue.createTask({ params: { taskId: 'taskId' }, payload: task });
  // @ts-expect-error a misspelt payload field
  void queue.createTask('taskId', { ...task, priorty: 'high' });
  // @ts-expect-error a payload field of the wrong type
  void queue.createTask('taskId', { ...task, retries: 'five' });
  // @ts-expect-error a missing required payload field
  void queue.createTask('taskId', { provisionerId: 'p' });
  // @ts-expect-error a missing route parameter
  void queue.task();
  // @ts-expect-error a missing route parameter among several
  void queue.getArtifact('taskId', 0);
  // @ts-expect-error a missing named parameter
  void queue.status({ params: {} });
  void queue.listTaskGroup('groupId', { query: { continuationToken: 'c', limit: 10 } });
  // @ts-expect-error an unknown query option
  void queue.listTaskGroup('groupId', { query: { continuation: 'c' } });
  // Seed-era methods are present (and deprecated).
  void queue.defineTask('taskId', task);
  // Legacy services take any JSON.
  void ec2.runInstance('workerType', { any: ['json', 1, null] });

  queueEvents.taskDefined({ taskId: 'abc', runId: 0 });
  const maybeGroup: string | undefined = undefined;
  queueEvents.taskDefined({ taskGroupId: maybeGroup });
  queueEvents.taskDefined('primary.#');
  // @ts-expect-error a misspelt routing-key field
  queueEvents.taskDefined({ taskID: 'abc' });
  // @ts-expect-error a routing-key value must be a string or a number
  queueEvents.taskDefined({ runId: true });
  // @ts-expect-error a field of another exchange
  queueEvents.taskGroupResolved({ taskId: 'abc' });
}

/**
 * A handler bound to several exchanges narrows its message union by comparing the message's
 * exchange with an events method's: only the narrowed branch may read that payload's fields.
 */
function narrowsByExchange(
  queueEvents: QueueEvents,
  message: MessageOf<ReturnType<QueueEvents['artifactCreated'] | QueueEvents['taskCompleted']>>,
): string {
  // @ts-expect-error before narrowing, the payload is either exchange's
  void message.payload.artifact;
  if (message.exchange === queueEvents.artifactCreated.exchange) {
    return message.payload.artifact.name;
  }
  return message.payload.status.state;
}

describe('generated types', () => {
  it('types each binding exchange by its name, whatever the prefix', () => {
    void narrowsByExchange;
    expectTypeOf<
      QueueEvents['taskCompleted']['exchange']
    >().toEqualTypeOf<`${string}/task-completed`>();
    expectTypeOf<
      ReturnType<QueueEvents['taskCompleted']>['exchange']
    >().toEqualTypeOf<`${string}/task-completed`>();
  });

  it('checks the calls above at compile time', () => {
    expectTypeOf(compileOnly).parameters.toEqualTypeOf<[Queue, QueueEvents, EC2Manager]>();
  });

  it('types responses from the output schemas', () => {
    expectTypeOf<Awaited<ReturnType<Queue['createTask']>>>().toEqualTypeOf<TaskStatusResponse>();
    expectTypeOf<Awaited<ReturnType<Queue['task']>>>().toEqualTypeOf<Task>();
    expectTypeOf<TaskStatusResponse['status']['state']>().toEqualTypeOf<
      'unscheduled' | 'pending' | 'running' | 'completed' | 'failed' | 'exception'
    >();
  });

  it('types payloads without a schema as JSON values, never any', () => {
    expectTypeOf<Parameters<EC2Manager['runInstance']>[0]['payload']>().toEqualTypeOf<JsonValue>();
    expectTypeOf<Task['payload']>().not.toBeAny();
    expectTypeOf<Task['extra']['x']>().toEqualTypeOf<JsonValue>();
  });

  it('carries payload and routing types in bindings', () => {
    type Completed = ReturnType<QueueEvents['taskCompleted']>;
    expectTypeOf<PayloadOf<Completed>>().toEqualTypeOf<TaskCompletedMessage>();
    expectTypeOf<RoutingOf<Completed>['runId']>().toEqualTypeOf<string>();
    expectTypeOf<RoutingOf<Completed>['routingKeyKind']>().toEqualTypeOf<'primary'>();
    type Defined = ReturnType<QueueEvents['taskDefined']>;
    expectTypeOf<PayloadOf<Defined>>().toEqualTypeOf<TaskDefinedMessage>();
    expectTypeOf<RoutingOf<Defined>['runId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ReturnType<QueueEvents['taskDefined']['parse']>>().toEqualTypeOf<
      RoutingOf<Defined>
    >();
  });
});

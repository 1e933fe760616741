import { describe, expectTypeOf, it } from 'vitest';
import type { ArtifactResponse, Task, TaskStatus } from '../../src/client/generated/queue.js';
import type {
  ArtifactCreatedMessage,
  TaskCompletedMessage,
  TaskDefinedMessage,
  TaskExceptionMessage,
  TaskGroupChangedMessage,
  TaskPendingMessage,
  TaskRunningMessage,
} from '../../src/exchanges/generated/queue-events.js';
import type {
  ArtifactCreatedPayload,
  TaskDefinedPayload,
  TaskExceptionPayload,
  TaskGroupChangedPayload,
  TaskPendingPayload,
  TaskResolvedPayload,
  TaskRunningPayload,
} from '../../src/testing/pulse-messages.js';
import type {
  ArtifactInfo,
  TaskStatus as SimulatedTaskStatus,
  TaskDefinition,
} from '../../src/testing/queue-types.js';

// The simulation's shapes must fit the generated types, so users can hand them to typed code.
describe('simulated deployment: shapes fit the generated types', () => {
  it('task definitions, statuses and artifacts', () => {
    expectTypeOf<TaskDefinition>().toExtend<Task>();
    expectTypeOf<SimulatedTaskStatus>().toExtend<TaskStatus>();
    expectTypeOf<ArtifactInfo>().toExtend<ArtifactResponse>();
  });

  it('queue message payloads', () => {
    expectTypeOf<TaskDefinedPayload>().toExtend<TaskDefinedMessage>();
    expectTypeOf<TaskPendingPayload>().toExtend<TaskPendingMessage>();
    expectTypeOf<TaskRunningPayload>().toExtend<TaskRunningMessage>();
    expectTypeOf<TaskResolvedPayload>().toExtend<TaskCompletedMessage>();
    expectTypeOf<TaskExceptionPayload>().toExtend<TaskExceptionMessage>();
    expectTypeOf<ArtifactCreatedPayload>().toExtend<ArtifactCreatedMessage>();
    expectTypeOf<TaskGroupChangedPayload>().toExtend<TaskGroupChangedMessage>();
  });
});

/**
 * The simulated queue's API methods: tasks (`createTask`, `task`, `status`, `scheduleTask`,
 * `rerunTask`, `cancelTask`, `listDependentTasks`), task groups (`listTaskGroup`,
 * `getTaskGroup`, `sealTaskGroup`, `cancelTaskGroup`), workers (`claimWork`, `reclaimTask`,
 * `reportCompleted`, `reportFailed`, `reportException`) and artifacts (list, info, download,
 * content, create, finish). Routes, schemas and scope expressions come from the queue's table;
 * the handlers supply what the expressions need beyond the route, as the queue does.
 */

import {
  type CreateTaskRequest,
  type FinishArtifactRequest,
  type PostArtifactRequest,
  queueTable,
} from '../client/generated/queue.js';
import { notFound } from './api-error.js';
import { type MethodContext, registerApiMethods, type SimulatedMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import { paginate, tokenOf } from './pagination.js';
import type { SimulatedQueue, TaskOutcome } from './queue.js';
import { TASK_PRIORITIES, type TaskDefinition } from './queue-types.js';
import type { ScopeParameters } from './scope-expressions.js';
import { isSlugId, taskDefinitionFromRequest } from './task-definition.js';

/** A run id parameter, or a 404 as the queue answers for a run that cannot exist. */
function runIdOf(ctx: MethodContext): number {
  const runId = Number(ctx.params.runId);
  if (!Number.isInteger(runId) || runId < 0) {
    throw notFound(`No run \`${ctx.params.runId}\``);
  }
  return runId;
}

/** The priorities at or above a task's: a create-task scope for any of them suffices. */
function prioritiesAtOrAbove(priority: TaskDefinition['priority']): string[] {
  return TASK_PRIORITIES.slice(0, TASK_PRIORITIES.indexOf(priority) + 1);
}

/** The parameters of `createTask`'s scope expression for a definition. */
function createTaskParameters(task: TaskDefinition): ScopeParameters {
  return {
    scopes: task.scopes,
    routes: task.routes,
    projectId: task.projectId,
    schedulerId: task.schedulerId,
    priorities: prioritiesAtOrAbove(task.priority),
    provisionerId: task.provisionerId,
    workerType: task.workerType,
  };
}

/** What the scope expressions of a task's methods name besides its id. */
function taskParameters(task: TaskDefinition): ScopeParameters {
  return {
    schedulerId: task.schedulerId,
    taskGroupId: task.taskGroupId,
    projectId: task.projectId,
    taskQueueId: task.taskQueueId,
  };
}

/** The task methods: definition, status, scheduling and dependents. */
function taskMethods(queue: SimulatedQueue): SimulatedMethods {
  const status = (taskId: string) => ({ json: { status: queue.status(taskId) } });
  /** A method that changes a task, with the scopes its schedulerId, group and project give. */
  const change = (apply: (taskId: string) => unknown) => (ctx: MethodContext) => {
    const taskId = ctx.params.taskId!;
    ctx.authorize(taskParameters(queue.task(taskId)));
    apply(taskId);
    return status(taskId);
  };
  return {
    task: (ctx) => ({ json: queue.task(ctx.params.taskId!) }),
    status: (ctx) => status(ctx.params.taskId!),
    createTask: (ctx) => {
      const taskId = ctx.params.taskId!;
      if (!isSlugId(taskId)) {
        throw notFound(`\`${taskId}\` is not a valid taskId`);
      }
      const task = taskDefinitionFromRequest(taskId, ctx.body as CreateTaskRequest);
      ctx.authorize(createTaskParameters(task));
      queue.createTask(taskId, task);
      return status(taskId);
    },
    scheduleTask: change((taskId) => queue.scheduleTask(taskId)),
    rerunTask: change((taskId) => queue.rerunTask(taskId)),
    cancelTask: change((taskId) => queue.cancelTask(taskId)),
    listDependentTasks: (ctx) => {
      const taskId = ctx.params.taskId!;
      const page = paginate(queue.dependents(taskId), ctx.query);
      return { json: { taskId, tasks: page.items, ...tokenOf(page) } };
    },
  };
}

/** The task-group methods. */
function taskGroupMethods(queue: SimulatedQueue): SimulatedMethods {
  /** Authorizes with the group's schedulerId (a 404 for an unknown group first). */
  const authorizeGroup = (ctx: MethodContext) => {
    ctx.authorize({ schedulerId: queue.taskGroup(ctx.params.taskGroupId!).schedulerId });
    return ctx.params.taskGroupId!;
  };
  return {
    listTaskGroup: (ctx) => {
      const { tasks, ...group } = queue.taskGroup(ctx.params.taskGroupId!);
      const page = paginate(tasks, ctx.query);
      return { json: { ...group, tasks: page.items, ...tokenOf(page) } };
    },
    getTaskGroup: (ctx) => {
      const { tasks: _tasks, ...group } = queue.taskGroup(ctx.params.taskGroupId!);
      return { json: group };
    },
    sealTaskGroup: (ctx) => {
      const { tasks: _tasks, ...group } = queue.sealTaskGroup(authorizeGroup(ctx));
      return { json: group };
    },
    cancelTaskGroup: (ctx) => {
      const taskGroupId = authorizeGroup(ctx);
      const { size, canceled } = queue.cancelTaskGroup(taskGroupId);
      return {
        json: {
          taskGroupId,
          taskGroupSize: size,
          cancelledCount: canceled.length,
          taskIds: canceled,
        },
      };
    },
  };
}

/** The worker methods: claims and resolutions of runs. */
function workerMethods(queue: SimulatedQueue): SimulatedMethods {
  const report = (outcome: (ctx: MethodContext) => TaskOutcome) => (ctx: MethodContext) => {
    const taskId = ctx.params.taskId!;
    queue.reportRun(taskId, runIdOf(ctx), outcome(ctx));
    return { json: { status: queue.status(taskId) } };
  };
  return {
    claimWork: (ctx) => {
      const request = ctx.body as { tasks: number; workerGroup: string; workerId: string };
      const worker = { workerGroup: request.workerGroup, workerId: request.workerId };
      ctx.authorize(worker);
      return { json: { tasks: queue.claimWork(ctx.params.taskQueueId!, worker, request.tasks) } };
    },
    reclaimTask: (ctx) => ({ json: queue.reclaimTask(ctx.params.taskId!, runIdOf(ctx)) }),
    reportCompleted: report(() => ({ type: 'completed' })),
    reportFailed: report(() => ({ type: 'failed' })),
    reportException: report((ctx) => ({
      type: 'exception',
      reason: (ctx.body as { reason: 'worker-shutdown' }).reason,
    })),
  };
}

/** The artifact methods: each download method has a form for a run and for the latest run. */
function artifactMethods(queue: SimulatedQueue): SimulatedMethods {
  const latest = (ctx: MethodContext) => queue.latestRunId(ctx.params.taskId!);
  const list = (ctx: MethodContext, runId: number) => {
    const page = paginate(queue.listArtifacts(ctx.params.taskId!, runId), ctx.query);
    return { json: { artifacts: page.items, ...tokenOf(page) } };
  };
  const forms = (runId: (ctx: MethodContext) => number) => {
    const artifactOf = (ctx: MethodContext) => {
      // Public artifacts too: a deployment's anonymous role grants `queue:get-artifact:public/*`.
      ctx.authorize({ names: [ctx.params.name!] });
      return queue.artifact(ctx.params.taskId!, runId(ctx), ctx.params.name!);
    };
    return {
      download: (ctx: MethodContext) => queue.artifacts.download(artifactOf(ctx)),
      content: (ctx: MethodContext) => ({ json: queue.artifacts.content(artifactOf(ctx)) }),
      info: (ctx: MethodContext) => ({
        json: { ...queue.artifact(ctx.params.taskId!, runId(ctx), ctx.params.name!).info },
      }),
    };
  };
  const ofRun = forms(runIdOf);
  const ofLatest = forms(latest);
  return {
    listArtifacts: (ctx) => list(ctx, runIdOf(ctx)),
    listLatestArtifacts: (ctx) => list(ctx, latest(ctx)),
    getArtifact: ofRun.download,
    getLatestArtifact: ofLatest.download,
    artifact: ofRun.content,
    latestArtifact: ofLatest.content,
    artifactInfo: ofRun.info,
    latestArtifactInfo: ofLatest.info,
    createArtifact: (ctx) => ({
      json: queue.createArtifact(
        ctx.params.taskId!,
        runIdOf(ctx),
        ctx.params.name!,
        ctx.body as PostArtifactRequest,
      ),
    }),
    finishArtifact: (ctx) => {
      queue.finishArtifact(
        ctx.params.taskId!,
        runIdOf(ctx),
        ctx.params.name!,
        ctx.body as FinishArtifactRequest,
      );
      return { json: {} };
    },
  };
}

/** Registers the queue's methods for a simulated queue. */
export function registerQueueService(server: ApiServer, queue: SimulatedQueue): Promise<void> {
  return registerApiMethods(server, queueTable, {
    ...taskMethods(queue),
    ...taskGroupMethods(queue),
    ...workerMethods(queue),
    ...artifactMethods(queue),
  });
}

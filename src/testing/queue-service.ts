/**
 * The simulated queue's HTTP routes: tasks (`task`, `status`, `createTask`), task groups
 * (`listTaskGroup`, `getTaskGroup`) and artifacts (list, info, download, content, create,
 * finish), with the scopes the queue's API reference requires.
 */

import { notFound } from './api-error.js';
import type { ApiServer } from './api-server.js';
import { paginate } from './pagination.js';
import type { SimulatedQueue } from './queue.js';
import { TASK_PRIORITIES, type TaskDefinition } from './queue-types.js';
import type { RouteContext } from './routes.js';
import { isSlugId, taskDefinitionFromRequest } from './task-definition.js';

/** A run id parameter, or a 404 as the queue answers for a run that cannot exist. */
function runIdOf(ctx: RouteContext): number {
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

/** The scopes `createTask` requires for a definition, in disjunctive normal form. */
function createTaskScopes(task: TaskDefinition): string[][] {
  const always = [
    ...task.scopes,
    ...task.routes.map((route) => `queue:route:${route}`),
    `queue:create-task:project:${task.projectId}`,
    `queue:scheduler-id:${task.schedulerId}`,
  ];
  return prioritiesAtOrAbove(task.priority).map((priority) => [
    ...always,
    `queue:create-task:${priority}:${task.provisionerId}/${task.workerType}`,
  ]);
}

/** Registers the queue's routes for a simulated queue. */
export function registerQueueService(server: ApiServer, queue: SimulatedQueue): void {
  server.route(
    'queue',
    'get',
    '/task/<taskId>',
    (ctx) => {
      ctx.requireScopes([[`queue:get-task:${ctx.params.taskId}`]]);
      return { json: queue.task(ctx.params.taskId!) };
    },
    { name: 'task' },
  );

  server.route(
    'queue',
    'get',
    '/task/<taskId>/status',
    (ctx) => {
      ctx.requireScopes([[`queue:status:${ctx.params.taskId}`]]);
      return { json: { status: queue.status(ctx.params.taskId!) } };
    },
    { name: 'status' },
  );

  server.route(
    'queue',
    'put',
    '/task/<taskId>',
    (ctx) => {
      const taskId = ctx.params.taskId!;
      if (!isSlugId(taskId)) {
        throw notFound(`\`${taskId}\` is not a valid taskId`);
      }
      const task = taskDefinitionFromRequest(taskId, ctx.body);
      ctx.requireScopes(createTaskScopes(task));
      queue.createTask(taskId, task);
      return { json: { status: queue.status(taskId) } };
    },
    { name: 'createTask' },
  );

  server.route(
    'queue',
    'get',
    '/task-group/<taskGroupId>/list',
    (ctx) => {
      ctx.requireScopes([[`queue:list-task-group:${ctx.params.taskGroupId}`]]);
      const { tasks, ...group } = queue.taskGroup(ctx.params.taskGroupId!);
      const page = paginate(tasks, ctx.query);
      return { json: { ...group, tasks: page.items, ...tokenOf(page) } };
    },
    { name: 'listTaskGroup' },
  );

  server.route(
    'queue',
    'get',
    '/task-group/<taskGroupId>',
    (ctx) => {
      ctx.requireScopes([[`queue:list-task-group:${ctx.params.taskGroupId}`]]);
      const { tasks: _tasks, ...group } = queue.taskGroup(ctx.params.taskGroupId!);
      return { json: group };
    },
    { name: 'getTaskGroup' },
  );

  registerArtifactRoutes(server, queue);
}

/** The `continuationToken` field of a page, when it has one. */
function tokenOf(page: { continuationToken?: string }): { continuationToken?: string } {
  return page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken };
}

function registerArtifactRoutes(server: ApiServer, queue: SimulatedQueue): void {
  const list = (ctx: RouteContext, runId: number) => {
    const page = paginate(queue.listArtifacts(ctx.params.taskId!, runId), ctx.query);
    return { json: { artifacts: page.items, ...tokenOf(page) } };
  };
  server.route(
    'queue',
    'get',
    '/task/<taskId>/runs/<runId>/artifacts',
    (ctx) => {
      ctx.requireScopes([[`queue:list-artifacts:${ctx.params.taskId}:${ctx.params.runId}`]]);
      return list(ctx, runIdOf(ctx));
    },
    { name: 'listArtifacts' },
  );
  server.route(
    'queue',
    'get',
    '/task/<taskId>/artifacts',
    (ctx) => {
      ctx.requireScopes([[`queue:list-artifacts:${ctx.params.taskId}`]]);
      return list(ctx, queue.latestRunId(ctx.params.taskId!));
    },
    { name: 'listLatestArtifacts' },
  );

  // Each artifact method has a form for a given run and one for the latest run.
  const forms = [
    { prefix: '/task/<taskId>/runs/<runId>', latest: '', runId: runIdOf },
    {
      prefix: '/task/<taskId>',
      latest: 'Latest',
      runId: (ctx: RouteContext) => queue.latestRunId(ctx.params.taskId!),
    },
  ];
  for (const form of forms) {
    const artifactOf = (ctx: RouteContext) =>
      queue.artifact(ctx.params.taskId!, form.runId(ctx), ctx.params.name!);
    server.route(
      'queue',
      'get',
      `${form.prefix}/artifacts/<name>`,
      (ctx) => {
        ctx.requireScopes([[`queue:get-artifact:${ctx.params.name}`]]);
        return queue.artifacts.download(artifactOf(ctx));
      },
      { name: form.latest ? 'getLatestArtifact' : 'getArtifact' },
    );
    server.route(
      'queue',
      'get',
      `${form.prefix}/artifact-content/<name>`,
      (ctx) => {
        ctx.requireScopes([[`queue:get-artifact:${ctx.params.name}`]]);
        return { json: queue.artifacts.content(artifactOf(ctx)) };
      },
      { name: form.latest ? 'latestArtifact' : 'artifact' },
    );
    server.route(
      'queue',
      'get',
      `${form.prefix}/artifact-info/<name>`,
      (ctx) => {
        const runScope = form.latest ? '' : `:${ctx.params.runId}`;
        ctx.requireScopes([[`queue:list-artifacts:${ctx.params.taskId}${runScope}`]]);
        return { json: { ...artifactOf(ctx).info } };
      },
      { name: form.latest ? 'latestArtifactInfo' : 'artifactInfo' },
    );
  }

  const createScope = (ctx: RouteContext) => [
    [`queue:create-artifact:${ctx.params.taskId}/${ctx.params.runId}`],
  ];
  server.route(
    'queue',
    'post',
    '/task/<taskId>/runs/<runId>/artifacts/<name>',
    (ctx) => {
      ctx.requireScopes(createScope(ctx));
      return {
        json: queue.createArtifact(ctx.params.taskId!, runIdOf(ctx), ctx.params.name!, ctx.body),
      };
    },
    { name: 'createArtifact' },
  );
  server.route(
    'queue',
    'put',
    '/task/<taskId>/runs/<runId>/artifacts/<name>',
    (ctx) => {
      ctx.requireScopes(createScope(ctx));
      queue.finishArtifact(ctx.params.taskId!, runIdOf(ctx), ctx.params.name!, ctx.body);
      return { json: {} };
    },
    { name: 'finishArtifact' },
  );
}

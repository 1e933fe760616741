/**
 * The simulated hooks service: hooks (`createHook`, `updateHook`, `removeHook`, `hook`,
 * `listHookGroups`, `listHooks`, `getHookStatus`) whose `triggerHook` renders the hook's task
 * template (see hook-templates.ts) with `{ firedBy, taskId, payload, clientId }` and creates
 * the task with the queue's `createTask`, over HTTP as the real service does: as its own
 * client, with the scopes of the role `hook-id:<hookGroupId>/<hookId>` only. Every fire is
 * recorded (`listLastFires`).
 */
import { randomBytes } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { hooksTable } from '../client/generated/hooks.js';
import type { JsonValue } from '../client/generated/json.js';
import { type CreateTaskRequest, Queue } from '../client/generated/queue.js';
import { createSchemaCompiler, schemaErrors } from '../consumer/schema.js';
import { InputError } from '../errors.js';
import { slugId } from '../utils/slugid.js';
import { inputError, notFound, requestConflict, SimulatedApiError } from './api-error.js';
import { registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import { renderTemplate } from './hook-templates.js';
import { paginate, tokenOf } from './pagination.js';
import type { SimulatedQueue } from './queue.js';
import type { JsonObject } from './queue-types.js';

/** The hooks service's own client, which creates the tasks of triggered hooks. */
export const HOOKS_CLIENT_ID = 'static/taskcluster/hooks';

/** A hook as the service describes it (`hook-definition.json`). */
export interface HookDefinition {
  hookGroupId: string;
  hookId: string;
  metadata: JsonObject;
  schedule: string[];
  task: JsonObject;
  triggerSchema: JsonObject;
  bindings?: JsonValue[];
}

/** One fire of a hook (`list-lastFires-response.json`). */
export interface HookFire {
  hookGroupId: string;
  hookId: string;
  firedBy: 'triggerHook';
  taskId: string;
  taskCreateTime: string;
  result: 'success' | 'error';
  /** Why the task could not be created; `''` on success. */
  error: string;
}

interface StoredHook {
  definition: HookDefinition;
  fires: HookFire[];
  validate: ValidateFunction;
}

/** The role whose scopes a hook's tasks are created with. */
export function hookRole(hookGroupId: string, hookId: string): string {
  return `hook-id:${hookGroupId}/${hookId}`;
}

/** The hooks of the simulated deployment. */
export class SimulatedHooks {
  readonly #hooks = new Map<string, StoredHook>();
  readonly #now: () => number;
  readonly #tasks: SimulatedQueue;
  readonly #ajv = createSchemaCompiler();
  #queue: InstanceType<typeof Queue> | undefined;
  #rootUrl = '';
  #accessToken = '';

  /** @param tasks the queue whose tasks' states `listLastFires` reports. */
  constructor(now: () => number, tasks: SimulatedQueue) {
    this.#now = now;
    this.#tasks = tasks;
  }

  /** The state of a fired task, `unknown` when the queue does not have it. */
  #taskState(taskId: string): string {
    try {
      return this.#tasks.status(taskId).state;
    } catch (error) {
      if (error instanceof SimulatedApiError && error.status === 404) return 'unknown';
      throw error;
    }
  }

  #stored(hookGroupId: string, hookId: string): StoredHook {
    const hook = this.#hooks.get(`${hookGroupId}/${hookId}`);
    if (hook === undefined) throw notFound(`Hook \`${hookGroupId}/${hookId}\` not found`);
    return hook;
  }

  #store(hookGroupId: string, hookId: string, request: JsonObject): HookDefinition {
    const definition: HookDefinition = {
      hookGroupId,
      hookId,
      metadata: request.metadata as JsonObject,
      schedule: (request.schedule as string[] | undefined) ?? [],
      task: request.task as JsonObject,
      triggerSchema: (request.triggerSchema as JsonObject | undefined) ?? {
        type: 'object',
        additionalProperties: false,
      },
      ...(request.bindings === undefined ? {} : { bindings: request.bindings as JsonValue[] }),
    };
    let validate: ValidateFunction;
    try {
      validate = this.#ajv.compile(definition.triggerSchema);
    } catch (error) {
      throw inputError(`triggerSchema is not a valid schema: ${(error as Error).message}`);
    }
    const fires = this.#hooks.get(`${hookGroupId}/${hookId}`)?.fires ?? [];
    this.#hooks.set(`${hookGroupId}/${hookId}`, { definition, fires, validate });
    return structuredClone(definition);
  }

  /** `createHook`: 409 when the hook exists. */
  create(hookGroupId: string, hookId: string, request: JsonObject): HookDefinition {
    if (this.#hooks.has(`${hookGroupId}/${hookId}`)) {
      throw requestConflict(`Hook \`${hookGroupId}/${hookId}\` already exists`);
    }
    return this.#store(hookGroupId, hookId, request);
  }

  /** `updateHook`: 404 when the hook does not exist. */
  update(hookGroupId: string, hookId: string, request: JsonObject): HookDefinition {
    this.#stored(hookGroupId, hookId);
    return this.#store(hookGroupId, hookId, request);
  }

  /** `hook`. */
  hook(hookGroupId: string, hookId: string): HookDefinition {
    return structuredClone(this.#stored(hookGroupId, hookId).definition);
  }

  /** The fires of a hook, oldest first. */
  fires(hookGroupId: string, hookId: string): HookFire[] {
    return structuredClone(this.#stored(hookGroupId, hookId).fires);
  }

  #definitions(): HookDefinition[] {
    return [...this.#hooks.values()].map((hook) => hook.definition);
  }

  /**
   * `triggerHook`: checks the payload against the hook's trigger schema, renders its task and
   * creates it. Resolves to the task id, or `undefined` when the template renders no task.
   */
  async trigger(
    hookGroupId: string,
    hookId: string,
    payload: JsonValue,
    clientId: string | undefined,
  ): Promise<string | undefined> {
    const hook = this.#stored(hookGroupId, hookId);
    if (!hook.validate(payload)) {
      throw inputError(
        `The payload does not match the hook's triggerSchema: ${schemaErrors(hook.validate).join('; ')}`,
      );
    }
    const taskId = slugId();
    const context = {
      firedBy: 'triggerHook',
      taskId,
      payload,
      ...(clientId === undefined ? {} : { clientId }),
    };
    let task: JsonValue | undefined;
    try {
      task = renderTemplate(hook.definition.task, context, new Date(this.#now()));
    } catch (error) {
      if (error instanceof InputError)
        throw inputError(`Could not render the task: ${error.message}`);
      throw error;
    }
    if (task === undefined) return undefined;
    const fire: HookFire = {
      hookGroupId,
      hookId,
      firedBy: 'triggerHook',
      taskId,
      taskCreateTime: new Date(this.#now()).toISOString(),
      result: 'success',
      error: '',
    };
    try {
      await this.#queueFor(hookGroupId, hookId).createTask(taskId, task as CreateTaskRequest);
    } catch (error) {
      fire.result = 'error';
      fire.error = (error as Error).message;
      hook.fires.push(fire);
      throw new SimulatedApiError(400, 'InputError', `Could not create task: ${fire.error}`);
    }
    hook.fires.push(fire);
    return taskId;
  }

  /** A queue client acting for a hook: the hooks service's client, limited to the hook's role. */
  #queueFor(hookGroupId: string, hookId: string): InstanceType<typeof Queue> {
    this.#queue ??= new Queue({
      rootUrl: this.#rootUrl,
      credentials: { clientId: HOOKS_CLIENT_ID, accessToken: this.#accessToken },
      maxRetries: 0,
    });
    return this.#queue.use({ authorizedScopes: [`assume:${hookRole(hookGroupId, hookId)}`] });
  }

  /** Registers the hooks service's methods and its own client. */
  register(server: ApiServer): Promise<void> {
    this.#rootUrl = server.rootUrl;
    this.#accessToken = randomBytes(32).toString('base64url');
    server.addClient(HOOKS_CLIENT_ID, { accessToken: this.#accessToken, scopes: ['*'] });
    const ids = (params: Record<string, string>) => [params.hookGroupId!, params.hookId!] as const;
    return registerApiMethods(server, hooksTable, {
      createHook: (ctx) => ({ json: this.create(...ids(ctx.params), ctx.body as JsonObject) }),
      updateHook: (ctx) => ({ json: this.update(...ids(ctx.params), ctx.body as JsonObject) }),
      removeHook: (ctx) => {
        this.#stored(...ids(ctx.params));
        this.#hooks.delete(ids(ctx.params).join('/'));
        return { json: {} };
      },
      hook: (ctx) => ({ json: this.hook(...ids(ctx.params)) }),
      listHookGroups: () => ({
        json: { groups: [...new Set(this.#definitions().map((h) => h.hookGroupId))].sort() },
      }),
      listHooks: (ctx) => {
        const hooks = this.#definitions().filter((h) => h.hookGroupId === ctx.params.hookGroupId);
        if (hooks.length === 0) throw notFound(`No hooks in \`${ctx.params.hookGroupId}\``);
        return { json: { hooks: structuredClone(hooks) } };
      },
      getHookStatus: (ctx) => {
        const last = this.fires(...ids(ctx.params)).at(-1);
        const lastFire =
          last === undefined
            ? { result: 'no-fire' }
            : last.result === 'success'
              ? { result: 'success', taskId: last.taskId, time: last.taskCreateTime }
              : { result: 'error', error: { message: last.error }, time: last.taskCreateTime };
        return { json: { lastFire } };
      },
      triggerHook: async (ctx) => {
        const taskId = await this.trigger(...ids(ctx.params), ctx.body as JsonValue, ctx.clientId);
        return { json: taskId === undefined ? {} : { taskId, status: { taskId } } };
      },
      listLastFires: (ctx) => {
        const fires = this.fires(...ids(ctx.params))
          .reverse()
          .map((fire) => ({ ...fire, taskState: this.#taskState(fire.taskId) }));
        const page = paginate(fires, ctx.query);
        return { json: { lastFires: page.items, ...tokenOf(page) } };
      },
    });
  }
}

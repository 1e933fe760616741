/**
 * The simulated index service: tasks indexed under dotted namespaces (`insertTask`,
 * `findTask`, `listNamespaces`, `listTasks`), and, as the real index does, every task that
 * completes with a route `index.<namespace>` indexed there (rank, data and expiry from its
 * `extra.index`, else rank 0, no data and the task's expiry).
 */
import { indexTable } from '../client/generated/index-service.js';
import { notFound } from './api-error.js';
import { registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import { paginate, tokenOf } from './pagination.js';
import type { QueueMessage } from './pulse-messages.js';
import type { SimulatedQueue } from './queue.js';
import type { JsonObject } from './queue-types.js';

/** The prefix of the task routes the index follows. */
export const INDEX_ROUTE_PREFIX = 'index.';

/** A task indexed under a namespace (`indexed-task-response.json`). */
export interface IndexedTask {
  namespace: string;
  taskId: string;
  rank: number;
  data: JsonObject;
  expires: string;
}

/** The parent namespace of a path (`a.b` of `a.b.c`; `''` at the top). */
function parentOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** The indexed tasks of the simulated deployment, by namespace. */
export class SimulatedIndex {
  readonly #tasks = new Map<string, IndexedTask>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  #live(task: IndexedTask): boolean {
    return Date.parse(task.expires) > this.#now();
  }

  /**
   * Indexes a task under a namespace; an existing entry of a higher rank stays, as in the
   * index service. Returns the entry now in place.
   */
  insert(namespace: string, task: Omit<IndexedTask, 'namespace'>): IndexedTask {
    const existing = this.#tasks.get(namespace);
    if (existing !== undefined && this.#live(existing) && existing.rank > task.rank) {
      return structuredClone(existing);
    }
    const entry: IndexedTask = {
      namespace,
      taskId: task.taskId,
      rank: task.rank,
      data: structuredClone(task.data),
      expires: new Date(task.expires).toISOString(),
    };
    this.#tasks.set(namespace, entry);
    return structuredClone(entry);
  }

  /** The task indexed at a path; 404 when there is none or it has expired. */
  find(indexPath: string): IndexedTask {
    const task = this.#tasks.get(indexPath);
    if (task === undefined || !this.#live(task)) {
      throw notFound(`Indexed task \`${indexPath}\` not found`);
    }
    return structuredClone(task);
  }

  /** The tasks indexed directly under a namespace, by name. */
  tasksIn(namespace: string): IndexedTask[] {
    return [...this.#tasks.values()]
      .filter((task) => this.#live(task) && parentOf(task.namespace) === namespace)
      .sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
      .map((task) => structuredClone(task));
  }

  /** The namespaces directly under a namespace, each expiring with its last task. */
  namespacesIn(namespace: string): { namespace: string; name: string; expires: string }[] {
    const children = new Map<string, string>();
    const prefix = namespace === '' ? '' : `${namespace}.`;
    for (const task of this.#tasks.values()) {
      if (!this.#live(task) || !task.namespace.startsWith(prefix)) continue;
      const rest = task.namespace.slice(prefix.length).split('.');
      if (rest.length < 2) continue;
      const child = prefix + rest[0]!;
      const expires = children.get(child);
      if (expires === undefined || task.expires > expires) children.set(child, task.expires);
    }
    return [...children]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([child, expires]) => ({ namespace: child, name: child.slice(prefix.length), expires }));
  }

  /** Indexes a completed task under each of its `index.` routes. */
  #onMessage(queue: SimulatedQueue, message: QueueMessage): void {
    if (message.type !== 'taskCompleted') return;
    const taskId = message.payload.status.taskId;
    const task = queue.task(taskId);
    const extra = (task.extra.index ?? {}) as {
      rank?: number;
      data?: JsonObject;
      expires?: string;
    };
    for (const route of task.routes) {
      if (!route.startsWith(INDEX_ROUTE_PREFIX)) continue;
      this.insert(route.slice(INDEX_ROUTE_PREFIX.length), {
        taskId,
        rank: extra.rank ?? 0,
        data: extra.data ?? {},
        expires: extra.expires ?? task.expires,
      });
    }
  }

  /** Indexes the queue's completed tasks from now on. */
  follow(queue: SimulatedQueue): void {
    queue.onMessage((message) => this.#onMessage(queue, message));
  }

  /** Registers the index service's methods. */
  register(server: ApiServer): Promise<void> {
    return registerApiMethods(server, indexTable, {
      insertTask: (ctx) => ({
        json: this.insert(ctx.params.namespace!, ctx.body as Omit<IndexedTask, 'namespace'>),
      }),
      findTask: (ctx) => ({ json: this.find(ctx.params.indexPath!) }),
      listNamespaces: (ctx) => {
        const page = paginate(this.namespacesIn(ctx.params.namespace!), ctx.query);
        return { json: { namespaces: page.items, ...tokenOf(page) } };
      },
      listTasks: (ctx) => {
        const page = paginate(this.tasksIn(ctx.params.namespace!), ctx.query);
        return { json: { tasks: page.items, ...tokenOf(page) } };
      },
    });
  }
}

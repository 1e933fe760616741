import { describe, expect, it } from 'vitest';
import { defineEvents } from '../../src/exchanges/events.js';
import { NotifyEvents } from '../../src/exchanges/generated/notify-events.js';
import { QueueEvents } from '../../src/exchanges/generated/queue-events.js';
import {
  bindingParser,
  RoutingKeyError,
  taskRouteBinding,
} from '../../src/exchanges/routing-key.js';
import type { ExchangeTable } from '../../src/exchanges/types.js';

const TASK_DEFINED = 'exchange/taskcluster-queue/v1/task-defined';

describe('defineEvents', () => {
  const queueEvents = new QueueEvents();

  it('gives the known answer for taskDefined({ taskId })', () => {
    expect(queueEvents.taskDefined({ taskId: 'abc' })).toEqual({
      exchange: TASK_DEFINED,
      routingKeyPattern: 'primary.abc.*.*.*.*.*.*.*.#',
      routingKeyReference: queueEvents.taskDefined.entry.routingKey,
    });
  });

  it('takes a raw pattern string as it is', () => {
    expect(queueEvents.taskCompleted('primary.#').routingKeyPattern).toBe('primary.#');
  });

  it('exposes the exchange name, its entry and its parser on each method', () => {
    expect(queueEvents.taskDefined.exchange).toBe(TASK_DEFINED);
    expect(queueEvents.taskDefined.entry.exchange).toBe('task-defined');
    expect(queueEvents.taskDefined.parse('primary.T._._._.p.w.s.G._')).toMatchObject({
      taskId: 'T',
      runId: undefined,
      taskGroupId: 'G',
    });
  });

  it('finds an exchange by its full name, with the same parser', () => {
    const lookup = queueEvents.byExchange('exchange/taskcluster-queue/v1/task-completed');
    expect(lookup?.entry.name).toBe('taskCompleted');
    expect(lookup?.parse).toBe(queueEvents.taskCompleted.parse);
    expect(queueEvents.byExchange('exchange/taskcluster-queue/v1/nope')).toBeUndefined();
  });

  it('replaces the exchange prefix when asked', () => {
    const other = new QueueEvents({ exchangePrefix: 'exchange/staging-queue/v1/' });
    expect(other.exchangePrefix).toBe('exchange/staging-queue/v1/');
    expect(other.taskDefined().exchange).toBe('exchange/staging-queue/v1/task-defined');
    expect(other.byExchange('exchange/staging-queue/v1/task-defined')?.entry.name).toBe(
      'taskDefined',
    );
    expect(other.byExchange(TASK_DEFINED)).toBeUndefined();
  });

  it('compiles one parser per exchange, shared by its bindings and task-route bindings', () => {
    const a = queueEvents.taskCompleted({ taskId: 'a' });
    const b = new QueueEvents().taskCompleted({ taskGroupId: 'b' });
    const routed = taskRouteBinding(a, 'index.project.#');
    expect(routed).toMatchObject({
      exchange: a.exchange,
      routingKeyPattern: 'route.index.project.#',
    });
    expect(bindingParser(a)).toBe(bindingParser(b));
    expect(bindingParser(routed)).toBe(queueEvents.taskCompleted.parse);
    expect(bindingParser({ exchange: 'x', routingKeyPattern: '#' })).toBeUndefined();
  });

  it('rejects bad filters before anything binds', () => {
    expect(() => queueEvents.taskDefined({ taskID: 'abc' } as never)).toThrow(RoutingKeyError);
    expect(() => queueEvents.taskDefined({ taskId: 'a.b' })).toThrow(/must not contain "."/);
    expect(() => queueEvents.taskDefined({ taskId: {} } as never)).toThrow(/string or a number/);
  });

  it('refuses a table whose exchange name clashes with a member', () => {
    const table: ExchangeTable = {
      serviceName: 'x',
      apiVersion: 'v1',
      title: 'X',
      exchangePrefix: 'exchange/x/v1/',
      entries: [
        { name: 'byExchange', exchange: 'e', routingKey: [], schema: 'v1/x.json#', title: 'X' },
      ],
    };
    expect(() => defineEvents(table)).toThrow(/clashes/);
  });

  it('serves a table loaded at run time', () => {
    const Events = defineEvents<
      Record<string, (filter?: Record<string, string>) => { routingKeyPattern: string }>
    >({
      serviceName: 'custom',
      apiVersion: 'v1',
      title: 'Custom',
      exchangePrefix: 'exchange/custom/v1/',
      entries: [
        {
          name: 'thing',
          exchange: 'thing',
          routingKey: [
            { name: 'kind', required: true, multipleWords: false, constant: 'primary' },
            { name: 'id', required: true, multipleWords: false },
          ],
          schema: 'v1/thing.json#',
          title: 'Thing',
        },
      ],
    });
    expect(new Events().thing!({ id: '7' }).routingKeyPattern).toBe('primary.7');
  });
});

describe('filters as users bind them', () => {
  it('notify({ topic }) takes a topic pattern with * and # words', () => {
    const notifyEvents = new NotifyEvents();
    expect(notifyEvents.notify({ topic: 'project.alpha.#' }).routingKeyPattern).toBe(
      'primary.project.alpha.#',
    );
    expect(notifyEvents.notify({ topic: '*.alpha' }).routingKeyPattern).toBe('primary.*.alpha');
    expect(() => notifyEvents.notify({ topic: 'project..alpha' })).toThrow(/empty word/);
  });

  it("'*' for a field is any value, as leaving it out", () => {
    const queueEvents = new QueueEvents();
    expect(queueEvents.taskCompleted({ taskId: '*', taskGroupId: 'g' }).routingKeyPattern).toBe(
      queueEvents.taskCompleted({ taskGroupId: 'g' }).routingKeyPattern,
    );
    expect(() => queueEvents.taskCompleted({ taskId: '#' })).toThrow(/single word/);
  });
});

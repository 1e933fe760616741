/**
 * The simulated hooks service through the project's Hooks client: a hook's task template is
 * rendered (the JSON-e subset of hook-templates.ts) and created in the simulated queue with
 * the scopes of the hook's role only; each fire is recorded; what cannot be rendered or
 * created is an error, never a wrong task.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: JSON-e templates interpolate ${...} themselves.
// biome-ignore-all lint/suspicious/noThenProperty: `$if` takes `then`, as in JSON-e.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hooks } from '../../src/index.js';
import { HookTemplateError, renderTemplate } from '../../src/testing/hook-templates.js';
import { HOOKS_CLIENT_ID } from '../../src/testing/hooks-service.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('hook task templates', () => {
  const context = { taskId: 'abc', payload: { branch: 'main', deploy: false, n: 3 } };

  it('interpolates, evaluates paths, and renders $fromNow, $json and $if', () => {
    expect(
      renderTemplate(
        {
          name: 'build ${payload.branch} #${payload.n}',
          literal: 'costs $${price}',
          branch: { $eval: 'payload.branch' },
          deadline: { $fromNow: '2 hours' },
          args: ['--x', { $if: 'payload.deploy', then: '--deploy' }],
          config: { $json: { id: '${taskId}' } },
          $$key: 'escaped',
        },
        context,
        NOW,
      ),
    ).toEqual({
      name: 'build main #3',
      literal: 'costs ${price}',
      branch: 'main',
      deadline: '2030-01-01T02:00:00.000Z',
      args: ['--x'],
      config: '{"id":"abc"}',
      $key: 'escaped',
    });
  });

  it('renders nothing for a false $if without else at the top', () => {
    expect(renderTemplate({ $if: 'payload.deploy', then: { x: 1 } }, context, NOW)).toBeUndefined();
  });

  it.each([
    [{ $map: [1], each: 'x' }, /does not render the JSON-e operator \$map/],
    [{ $eval: 'payload.n + 1' }, /only dotted paths/],
    ['${payload.missing}', /unknown context value `payload.missing`/],
    ['${payload}', /not a string, number or boolean/],
  ])('refuses what it does not render: %j', (template, message) => {
    expect(() => renderTemplate(template, context, NOW)).toThrow(HookTemplateError);
    expect(() => renderTemplate(template, context, NOW)).toThrow(message);
  });
});

describe('simulated hooks service', () => {
  let server: TaskclusterServer;
  let hooks: InstanceType<typeof Hooks>;

  const template = {
    provisionerId: 'proj-x',
    workerType: 'ci',
    schedulerId: '-',
    taskGroupId: '${taskId}',
    created: { $fromNow: '0 seconds' },
    deadline: { $fromNow: '1 hour' },
    payload: { branch: '${payload.branch}' },
    metadata: {
      name: 'nightly ${payload.branch}',
      description: 'fired by ${firedBy}',
      owner: 'o@example.com',
      source: 'https://example.com',
    },
  };

  beforeAll(async () => {
    const deployment = await startWithClients(
      { admin: ['hooks:*', 'assume:hook-id:project/*'] },
      {
        roles: {
          'hook-id:project/nightly': [
            'queue:create-task:lowest:proj-x/ci',
            'queue:create-task:project:none',
            'queue:scheduler-id:-',
          ],
        },
      },
    );
    server = deployment.server;
    hooks = new Hooks(deployment.as('admin'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates a hook and triggers it: the rendered task is in the queue', async () => {
    const definition = await hooks.createHook('project', 'nightly', {
      metadata: { name: 'nightly', description: 'd', owner: 'o@example.com', emailOnError: false },
      task: template,
      triggerSchema: {
        type: 'object',
        properties: { branch: { type: 'string' } },
        required: ['branch'],
      },
    });
    expect(definition).toMatchObject({ hookGroupId: 'project', hookId: 'nightly', schedule: [] });
    const fired = await hooks.triggerHook('project', 'nightly', { branch: 'main' });
    const taskId = (fired as { taskId: string }).taskId;
    expect(server.queue.task(taskId)).toMatchObject({
      taskGroupId: taskId,
      payload: { branch: 'main' },
      metadata: { name: 'nightly main', description: 'fired by triggerHook' },
    });
    expect(server.queue.status(taskId).state).toBe('pending');
    // The hooks service created it over HTTP, as its own client.
    expect(server.requests.find((r) => r.name === 'createTask')).toMatchObject({
      clientId: HOOKS_CLIENT_ID,
      status: 200,
    });
    expect(await hooks.listLastFires('project', 'nightly')).toEqual({
      lastFires: [
        expect.objectContaining({
          taskId,
          result: 'success',
          firedBy: 'triggerHook',
          taskState: 'pending',
          error: '',
        }),
      ],
    });
    expect((await hooks.getHookStatus('project', 'nightly')).lastFire).toMatchObject({
      result: 'success',
      taskId,
    });
    expect(await hooks.listHookGroups()).toEqual({ groups: ['project'] });
  });

  it('refuses a payload that its trigger schema refuses, and fires nothing', async () => {
    const before = (await hooks.listLastFires('project', 'nightly')).lastFires.length;
    await expect(hooks.triggerHook('project', 'nightly', { branch: 7 })).rejects.toMatchObject({
      statusCode: 400,
      code: 'InputError',
    });
    expect((await hooks.listLastFires('project', 'nightly')).lastFires.length).toBe(before);
  });

  it('records an error fire when the hook’s role may not create its task', async () => {
    await hooks.createHook('project', 'urgent', {
      metadata: { name: 'urgent', description: 'd', owner: 'o@example.com', emailOnError: false },
      task: { ...template, priority: 'highest' },
      triggerSchema: { type: 'object' },
    });
    const error = await hooks
      .triggerHook('project', 'urgent', { branch: 'main' })
      .catch((e: Error) => e);
    expect(error).toMatchObject({ statusCode: 400, code: 'InputError' });
    expect((error as Error).message).toContain('InsufficientScopes');
    const [fire] = (await hooks.listLastFires('project', 'urgent')).lastFires;
    expect(fire).toMatchObject({ result: 'error', taskState: 'unknown' });
    expect(fire!.error).toContain('queue:create-task:highest:proj-x/ci');
  });

  it('refuses to create a hook whose role the caller does not hold', async () => {
    await expect(
      hooks.createHook('elsewhere', 'x', {
        metadata: { name: 'x', description: 'd', owner: 'o@example.com', emailOnError: false },
        task: template,
      }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
  });

  it('removes a hook', async () => {
    await hooks.removeHook('project', 'urgent');
    await expect(hooks.hook('project', 'urgent')).rejects.toMatchObject({ statusCode: 404 });
  });
});

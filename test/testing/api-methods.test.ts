/**
 * The simulated services' methods come from the generated tables: each checks its payload
 * against its input schema before anything changes, its scope expression as the service does
 * (rendered with what the route and the handler supply), and its answer against its output
 * schema (a simulation bug, answered 500). A method that is not simulated answers 404 naming
 * it, as does an unknown route. The REST client is the project's, over loopback HTTP with Hawk.
 */
// biome-ignore-all lint/suspicious/noThenProperty: scope expressions take `if`-`then`, as the references do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import { queueTable } from '../../src/client/generated/queue.js';
import { secretsTable } from '../../src/client/generated/secrets.js';
import {
  Auth,
  Github,
  Queue,
  type ScopeExpression,
  Secrets,
  WorkerManager,
} from '../../src/index.js';
import { registerApiMethods } from '../../src/testing/api-methods.js';
import { type ApiServer, startApiServer } from '../../src/testing/api-server.js';
import {
  expressionParameters,
  requiredScopes,
  ScopeExpressionError,
} from '../../src/testing/scope-expressions.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';

const BOT = { clientId: 'bot', accessToken: 'bot-secret-token' };

/** The error a call rejects with. */
async function failure(call: Promise<unknown>): Promise<TaskclusterHttpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskclusterHttpError);
  return error as TaskclusterHttpError;
}

describe('scope expressions, rendered as the services render them', () => {
  const createTask = {
    AllOf: [
      { each: '<scope>', for: 'scope', in: 'scopes' },
      'queue:scheduler-id:<schedulerId>',
      { AnyOf: [{ each: 'queue:create-task:<priority>:<q>', for: 'priority', in: 'priorities' }] },
    ],
  } satisfies ScopeExpression;

  it('splices each into the list around it: all of them in AllOf, any one in AnyOf', () => {
    const dnf = requiredScopes(createTask, {
      scopes: ['a', 'b'],
      schedulerId: 's',
      priorities: ['high', 'low'],
      q: 'p/w',
    });
    expect(dnf).toEqual([
      ['a', 'b', 'queue:scheduler-id:s', 'queue:create-task:high:p/w'],
      ['a', 'b', 'queue:scheduler-id:s', 'queue:create-task:low:p/w'],
    ]);
  });

  it('takes the branch of if, and nothing for a false if without else', () => {
    const expression = { if: 'readOnly', then: 'ro:<x>', else: 'rw:<x>' } satisfies ScopeExpression;
    expect(requiredScopes(expression, { readOnly: true, x: 'b' })).toEqual([['ro:b']]);
    expect(requiredScopes(expression, { readOnly: false, x: 'b' })).toEqual([['rw:b']]);
    expect(requiredScopes({ if: 'legacy', then: 'old' }, { legacy: false })).toEqual([[]]);
  });

  it('names the parameters an expression needs', () => {
    expect([...expressionParameters(createTask)].sort()).toEqual([
      'priorities',
      'q',
      'schedulerId',
      'scopes',
    ]);
  });

  it('refuses a missing or mistyped parameter', () => {
    expect(() => requiredScopes('a:<b>', {})).toThrow(ScopeExpressionError);
    expect(() => requiredScopes({ each: '<x>', for: 'x', in: 'xs' }, { xs: 'no' })).toThrow(
      /<xs> is not a list/,
    );
  });
});

describe('simulated methods over HTTP', () => {
  let server: TaskclusterServer;
  let secrets: InstanceType<typeof Secrets>;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: { bot: { accessToken: BOT.accessToken, scopes: ['secrets:*', 'auth:*'] } },
    });
    secrets = new Secrets({ rootUrl: server.rootUrl, credentials: BOT, maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a payload its input schema refuses, before anything changes', async () => {
    const bad = { expires: 'tomorrow', secret: 'not an object' } as never;
    const error = await failure(secrets.set('project/x', bad));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('InputValidationError');
    expect(error.message).toContain('v1/secret.json#');
    expect(server.secrets.names()).toEqual([]);
  });

  it('checks the scope expression with the route parameters', async () => {
    const limited = secrets.use({ authorizedScopes: ['secrets:get:project/a'] });
    const error = await failure(limited.get('project/b'));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('InsufficientScopes');
    expect(error.message).toContain('secrets:get:project/b');
  });

  it('records the method name of each request', async () => {
    await secrets.list();
    expect(server.requests.at(-1)).toMatchObject({
      name: 'list',
      route: 'GET /api/secrets/v1/secrets',
    });
  });

  it('answers 404 naming a method that is not simulated, in a simulated service or not', async () => {
    const queue = new Queue({ rootUrl: server.rootUrl, credentials: BOT, maxRetries: 0 });
    const provisioners = await failure(queue.listProvisioners());
    expect(provisioners.statusCode).toBe(404);
    expect(provisioners.code).toBe('ResourceNotFound');
    expect(provisioners.message).toContain(
      'queue.listProvisioners (GET /provisioners) is not simulated',
    );
    const github = new Github({ rootUrl: server.rootUrl, credentials: BOT, maxRetries: 0 });
    expect((await failure(github.builds())).message).toContain('github.builds');
    const workers = new WorkerManager({ rootUrl: server.rootUrl, credentials: BOT, maxRetries: 0 });
    expect((await failure(workers.workerPool('proj/ci'))).message).toContain(
      'worker-manager.workerPool',
    );
    const auth = new Auth({ rootUrl: server.rootUrl, credentials: BOT, maxRetries: 0 });
    expect((await failure(auth.sentryDSN('p'))).message).toContain('auth.sentryDSN');
  });

  it('answers 404 naming an unknown route', async () => {
    const res = await fetch(`${server.rootUrl}/api/queue/v1/no/such/route`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      code: 'ResourceNotFound',
      message: 'No such route: /api/queue/v1/no/such/route',
    });
  });
});

describe('the checks around a simulated method find bugs of the simulation', () => {
  let api: ApiServer;
  let secrets: InstanceType<typeof Secrets>;

  beforeAll(async () => {
    api = await startApiServer({
      clients: { bot: { accessToken: BOT.accessToken, scopes: ['secrets:*'] } },
    });
    await registerApiMethods(api, secretsTable, {
      // An answer its output schema refuses (no `expires`).
      get: () => ({ json: { secret: {} } }),
      // A handler whose expression needs nothing beyond the route is authorized before it runs;
      // this one takes a route-only expression, so it is checked for it.
      list: (ctx) => {
        expect(ctx.scopes).toContain('secrets:*');
        return { json: { secrets: [] } };
      },
    });
    secrets = new Secrets({ rootUrl: api.rootUrl, credentials: BOT, maxRetries: 0 });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers 500 when the answer does not match the output schema', async () => {
    const error = await failure(secrets.get('x'));
    expect(error.statusCode).toBe(500);
    expect(error.message).toContain('the simulated answer of secrets.get does not match');
    expect(error.message).toContain('expires');
  });

  it('serves the methods it was given, and 404 for the rest of the table', async () => {
    await expect(secrets.list()).resolves.toEqual({ secrets: [] });
    expect((await failure(secrets.remove('x'))).message).toContain('secrets.remove');
  });

  it('answers 500 when a handler that must check its scopes itself does not', async () => {
    // cancelTask's expression needs the task's schedulerId: its handler must authorize.
    await registerApiMethods(api, queueTable, { cancelTask: () => ({ json: {} }) });
    const queue = new Queue({ rootUrl: api.rootUrl, credentials: BOT, maxRetries: 0 });
    const error = await failure(queue.cancelTask('fN1SbArXTPmAHt4zaTUWvQ'));
    expect(error.statusCode).toBe(500);
    expect(error.message).toContain('queue.cancelTask answered without checking its scopes');
  });

  it('refuses handlers for methods the table does not have', async () => {
    await expect(registerApiMethods(api, secretsTable, { nosuch: () => ({}) })).rejects.toThrow(
      'the secrets service has no method nosuch',
    );
  });
});

/**
 * The simulated auth service's methods: the caller's scopes (`currentScopes`,
 * `testAuthenticateGet`), role expansion (`expandScopes`), and the clients and roles that
 * authentication uses (`client`, `listClients`, `createClient`, `updateClient`,
 * `enableClient`, `disableClient`, `resetAccessToken`, `deleteClient`, `role`, `listRoles`,
 * `createRole`, `updateRole`, `deleteRole`). Routes, schemas and scopes come from its table.
 */
import { authTable } from '../client/generated/auth.js';
import { registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import type { ClientRequest } from './auth-store.js';
import { paginate, tokenOf } from './pagination.js';

/** The client id Taskcluster's services report for a request without credentials. */
export const NO_AUTH_CLIENT_ID = 'auth-failed:no-auth';

/**
 * Registers the auth service's methods. Unlike the real `testAuthenticateGet`, which uses
 * fixed test clients, this one reports the caller's own authentication: it is the simulation's
 * window on what was granted.
 */
export function registerAuthService(server: ApiServer): Promise<void> {
  const auth = server.auth;
  return registerApiMethods(server, authTable, {
    currentScopes: (ctx) => ({ json: { scopes: [...ctx.scopes] } }),
    testAuthenticateGet: (ctx) => ({
      json: { clientId: ctx.clientId ?? NO_AUTH_CLIENT_ID, scopes: [...ctx.scopes] },
    }),
    expandScopes: (ctx) => ({
      json: { scopes: auth.expandNormalized((ctx.body as { scopes: string[] }).scopes) },
    }),
    client: (ctx) => ({ json: auth.client(ctx.params.clientId!) }),
    listClients: (ctx) => {
      const page = paginate(auth.listClients(ctx.query.prefix), ctx.query);
      return { json: { clients: page.items, ...tokenOf(page) } };
    },
    createClient: (ctx) => {
      const request = ctx.body as ClientRequest;
      ctx.authorize({ scopes: request.scopes ?? [] });
      return { json: auth.createClient(ctx.params.clientId!, request) };
    },
    updateClient: (ctx) => {
      const clientId = ctx.params.clientId!;
      const request = ctx.body as ClientRequest;
      ctx.authorize({ scopesAdded: auth.scopesAdded(clientId, request.scopes ?? []) });
      return { json: auth.updateClient(clientId, request) };
    },
    enableClient: (ctx) => ({ json: auth.setDisabled(ctx.params.clientId!, false) }),
    disableClient: (ctx) => ({ json: auth.setDisabled(ctx.params.clientId!, true) }),
    resetAccessToken: (ctx) => ({ json: auth.resetAccessToken(ctx.params.clientId!) }),
    deleteClient: (ctx) => {
      auth.deleteClient(ctx.params.clientId!);
      return { json: {} };
    },
    role: (ctx) => ({ json: auth.role(ctx.params.roleId!) }),
    listRoles: () => ({ json: auth.listRoles() }),
    createRole: (ctx) => {
      const request = ctx.body as { description: string; scopes: string[] };
      ctx.authorize({ scopes: request.scopes });
      return { json: auth.createRole(ctx.params.roleId!, request) };
    },
    updateRole: (ctx) => {
      const roleId = ctx.params.roleId!;
      const request = ctx.body as { description: string; scopes: string[] };
      ctx.authorize({ scopesAdded: auth.roleScopesAdded(roleId, request.scopes) });
      return { json: auth.updateRole(roleId, request) };
    },
    deleteRole: (ctx) => {
      auth.deleteRole(ctx.params.roleId!);
      return { json: {} };
    },
  });
}

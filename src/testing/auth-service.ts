/**
 * The simulated auth service's routes that report how a request was authenticated, so tests
 * can check the scopes a client's credentials and authorizedScopes were granted.
 */
import type { ApiServer } from './api-server.js';

/** The scope the auth service's `currentScopes` requires (per the API reference). */
export const CURRENT_SCOPES_SCOPE = 'auth:current-scopes';

/**
 * Registers `auth.currentScopes` (`GET /scopes/current` -> `{scopes}`) and
 * `auth.testAuthenticateGet` (`GET /test-authenticate-get/` -> `{clientId, scopes}`).
 * Unlike the real `testAuthenticateGet`, which uses fixed test clients, this one reports the
 * caller's own authentication: it is the simulation's window on what was granted.
 */
export function registerAuthService(server: ApiServer): void {
  server.route(
    'auth',
    'get',
    '/scopes/current',
    (ctx) => {
      ctx.requireScopes([[CURRENT_SCOPES_SCOPE]]);
      return { json: { scopes: [...ctx.scopes] } };
    },
    { name: 'currentScopes' },
  );
  server.route(
    'auth',
    'get',
    '/test-authenticate-get/',
    (ctx) => ({ json: { clientId: ctx.clientId ?? '', scopes: [...ctx.scopes] } }),
    { name: 'testAuthenticateGet' },
  );
}

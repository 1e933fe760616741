/**
 * A simulated deployment whose clients are given by name and scopes, and the options of a
 * client of each: the set-up every simulated-service test starts with.
 */
import type { Credentials } from '../../src/client/options.js';
import {
  startTaskclusterServer,
  type TaskclusterServer,
  type TaskclusterServerOptions,
} from '../../src/testing/server.js';

/** A started deployment and the options of a client of each of its named clients. */
export interface ServerWithClients<Name extends string> {
  readonly server: TaskclusterServer;
  /**
   * The options of a client acting as `name`: the deployment's root URL, its credentials, and
   * no retries, so that a test sees the first answer.
   */
  as(name: Name): { rootUrl: string; credentials: Credentials; maxRetries: 0 };
}

/**
 * Starts a simulated deployment with a client per key of `scopes` (its clientId, with those
 * scopes) and the other `options` (roles, anonymous role).
 */
export async function startWithClients<Name extends string>(
  scopes: Readonly<Record<Name, readonly string[]>>,
  options: Omit<TaskclusterServerOptions, 'clients'> = {},
): Promise<ServerWithClients<Name>> {
  const names = Object.keys(scopes) as Name[];
  const accessToken = (name: Name) => `${name}-secret-token`;
  const server = await startTaskclusterServer({
    ...options,
    clients: Object.fromEntries(
      names.map((name) => [name, { accessToken: accessToken(name), scopes: [...scopes[name]] }]),
    ),
  });
  return {
    server,
    as: (name) => ({
      rootUrl: server.rootUrl,
      credentials: { clientId: name, accessToken: accessToken(name) },
      maxRetries: 0,
    }),
  };
}

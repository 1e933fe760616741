/**
 * The simulated auth service's table of permanent clients.
 */

/** A permanent client of the simulated deployment. */
export interface SimulatedClient {
  /** The client's secret access token. */
  accessToken: string;
  /** The scopes the client holds (expanded; no roles). */
  scopes: string[];
}

/** Looks a permanent client up by id. */
export type ClientLookup = (clientId: string) => SimulatedClient | undefined;

/**
 * Why authentication failed. Thrown inside the authentication modules and answered as
 * 401 `AuthenticationFailed`; its message must never contain a secret.
 */
export class AuthenticationFailure extends Error {
  override name = 'AuthenticationFailure';
}

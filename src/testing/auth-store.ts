/**
 * The simulated auth service's clients and roles: what authentication looks a client up in
 * (its scopes expanded through the roles), and what the auth service's client and role methods
 * read and change, in the shapes of their schemas.
 */
import { randomBytes } from 'node:crypto';
import { notFound, requestConflict } from './api-error.js';
import type { ClientLookup, SimulatedClient } from './clients.js';
import { expandScopes, normalizeScopes } from './scopes.js';

/** When the permanent clients given as options expire: never, in practice. */
export const PERMANENT_CLIENT_EXPIRES = '3000-01-01T00:00:00.000Z';

/** A client as the auth service describes it (`get-client-response.json`). */
export interface ClientDescription {
  clientId: string;
  description: string;
  expires: string;
  created: string;
  lastModified: string;
  lastDateUsed: string;
  lastRotated: string;
  deleteOnExpiration: boolean;
  disabled: boolean;
  scopes: string[];
  expandedScopes: string[];
}

/** A role as the auth service describes it (`get-role-response.json`). */
export interface RoleDescription {
  roleId: string;
  description: string;
  created: string;
  lastModified: string;
  scopes: string[];
  expandedScopes: string[];
}

/** What `createClient` and `updateClient` take (`create-client-request.json`). */
export interface ClientRequest {
  description: string;
  expires: string;
  scopes?: string[];
  deleteOnExpiration?: boolean;
}

interface StoredClient extends Omit<ClientDescription, 'expandedScopes'> {
  accessToken: string;
}

type StoredRole = Omit<RoleDescription, 'expandedScopes'>;

/** A new access token, as the auth service makes them (43 URL-safe characters). */
function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The clients and roles of the simulated deployment. */
export class SimulatedAuth {
  readonly #clients = new Map<string, StoredClient>();
  readonly #roles = new Map<string, StoredRole>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  /** The roles' scopes by role id, for expansion. */
  #roleScopes(): Map<string, readonly string[]> {
    return new Map([...this.#roles].map(([roleId, role]) => [roleId, role.scopes]));
  }

  /** Scopes expanded through the roles, in order (what a request is granted). */
  expand(scopes: readonly string[]): string[] {
    return expandScopes(scopes, this.#roleScopes());
  }

  /** Scopes expanded through the roles and normalized, as the auth service's answers give them. */
  expandNormalized(scopes: readonly string[]): string[] {
    return normalizeScopes(this.expand(scopes));
  }

  /**
   * Adds or replaces a permanent client (it never expires). Its `assume:` scopes expand
   * through the roles when it authenticates.
   */
  setClient(clientId: string, client: SimulatedClient): void {
    const now = this.#iso();
    this.#clients.set(clientId, {
      clientId,
      accessToken: client.accessToken,
      description: 'a client of the simulated deployment',
      expires: PERMANENT_CLIENT_EXPIRES,
      created: now,
      lastModified: now,
      lastDateUsed: now,
      lastRotated: now,
      deleteOnExpiration: false,
      disabled: false,
      scopes: [...client.scopes],
    });
  }

  /** Adds or replaces a role. */
  setRole(roleId: string, scopes: readonly string[], description = 'a simulated role'): void {
    const now = this.#iso();
    const created = this.#roles.get(roleId)?.created ?? now;
    this.#roles.set(roleId, {
      roleId,
      description,
      created,
      lastModified: now,
      scopes: [...scopes],
    });
  }

  /** Authentication's look-up: an enabled, unexpired client with its expanded scopes. */
  readonly lookup: ClientLookup = (clientId) => {
    const client = this.#clients.get(clientId);
    if (client === undefined || client.disabled || Date.parse(client.expires) <= this.#now()) {
      return undefined;
    }
    return { accessToken: client.accessToken, scopes: this.expand(client.scopes) };
  };

  #stored(clientId: string): StoredClient {
    const client = this.#clients.get(clientId);
    if (client === undefined) throw notFound(`Client \`${clientId}\` not found`);
    return client;
  }

  #describeClient(client: StoredClient): ClientDescription {
    const { accessToken: _secret, ...described } = client;
    return {
      ...described,
      scopes: [...client.scopes],
      expandedScopes: this.expandNormalized(client.scopes),
    };
  }

  /** `client`. */
  client(clientId: string): ClientDescription {
    return this.#describeClient(this.#stored(clientId));
  }

  /** `listClients`: the clients whose id starts with `prefix`, by id. */
  listClients(prefix = ''): ClientDescription[] {
    return [...this.#clients.values()]
      .filter((client) => client.clientId.startsWith(prefix))
      .sort((a, b) => (a.clientId < b.clientId ? -1 : 1))
      .map((client) => this.#describeClient(client));
  }

  /** `createClient`: a new client and its access token; 409 if the id is taken. */
  createClient(
    clientId: string,
    request: ClientRequest,
  ): ClientDescription & { accessToken: string } {
    if (this.#clients.has(clientId)) {
      throw requestConflict(`Client \`${clientId}\` already exists`);
    }
    const now = this.#iso();
    const client: StoredClient = {
      clientId,
      accessToken: newAccessToken(),
      description: request.description,
      expires: new Date(request.expires).toISOString(),
      created: now,
      lastModified: now,
      lastDateUsed: now,
      lastRotated: now,
      deleteOnExpiration: request.deleteOnExpiration ?? false,
      disabled: false,
      scopes: normalizeScopes(request.scopes ?? []),
    };
    this.#clients.set(clientId, client);
    return { ...this.#describeClient(client), accessToken: client.accessToken };
  }

  /** `updateClient`: new description, expiry and scopes. */
  updateClient(clientId: string, request: ClientRequest): ClientDescription {
    const client = this.#stored(clientId);
    Object.assign(client, {
      description: request.description,
      expires: new Date(request.expires).toISOString(),
      scopes: normalizeScopes(request.scopes ?? []),
      deleteOnExpiration: request.deleteOnExpiration ?? client.deleteOnExpiration,
      lastModified: this.#iso(),
    });
    return this.#describeClient(client);
  }

  /** The scopes an update adds to a client (what `updateClient` requires the caller to hold). */
  scopesAdded(clientId: string, scopes: readonly string[]): string[] {
    const before = this.#clients.get(clientId)?.scopes ?? [];
    return scopes.filter((scope) => !before.includes(scope));
  }

  /** `resetAccessToken`: a new access token; the old one stops working. */
  resetAccessToken(clientId: string): ClientDescription & { accessToken: string } {
    const client = this.#stored(clientId);
    client.accessToken = newAccessToken();
    client.lastRotated = this.#iso();
    return { ...this.#describeClient(client), accessToken: client.accessToken };
  }

  /** `enableClient` and `disableClient`. */
  setDisabled(clientId: string, disabled: boolean): ClientDescription {
    const client = this.#stored(clientId);
    client.disabled = disabled;
    return this.#describeClient(client);
  }

  /** `deleteClient`: deleting a client that does not exist succeeds, as for the service. */
  deleteClient(clientId: string): void {
    this.#clients.delete(clientId);
  }

  #describeRole(role: StoredRole): RoleDescription {
    return {
      ...role,
      scopes: [...role.scopes],
      expandedScopes: this.expandNormalized([`assume:${role.roleId}`]),
    };
  }

  /** `role`. */
  role(roleId: string): RoleDescription {
    const role = this.#roles.get(roleId);
    if (role === undefined) throw notFound(`Role \`${roleId}\` not found`);
    return this.#describeRole(role);
  }

  /** `listRoles`: every role, by id. */
  listRoles(): RoleDescription[] {
    return [...this.#roles.values()]
      .sort((a, b) => (a.roleId < b.roleId ? -1 : 1))
      .map((role) => this.#describeRole(role));
  }

  /** `createRole`: 409 if the role exists with other scopes or description. */
  createRole(roleId: string, request: { description: string; scopes: string[] }): RoleDescription {
    const existing = this.#roles.get(roleId);
    if (existing !== undefined) {
      const same =
        existing.description === request.description &&
        JSON.stringify(existing.scopes) === JSON.stringify(normalizeScopes(request.scopes));
      if (!same) throw requestConflict(`Role \`${roleId}\` already exists`);
      return this.#describeRole(existing);
    }
    this.setRole(roleId, normalizeScopes(request.scopes), request.description);
    return this.role(roleId);
  }

  /** `updateRole`. */
  updateRole(roleId: string, request: { description: string; scopes: string[] }): RoleDescription {
    this.role(roleId);
    this.setRole(roleId, normalizeScopes(request.scopes), request.description);
    return this.role(roleId);
  }

  /** The scopes an update adds to a role. */
  roleScopesAdded(roleId: string, scopes: readonly string[]): string[] {
    const before = this.#roles.get(roleId)?.scopes ?? [];
    return scopes.filter((scope) => !before.includes(scope));
  }

  /** `deleteRole`: deleting a role that does not exist succeeds. */
  deleteRole(roleId: string): void {
    this.#roles.delete(roleId);
  }
}

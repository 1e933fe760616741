/**
 * The simulated secrets service: named JSON secrets with an expiry (`set`, `get`, `list`,
 * `remove`). An expired secret can no longer be read (410 `ResourceExpired`) but stays listed
 * until it is removed, as between the real service's expiry runs.
 */
import { secretsTable } from '../client/generated/secrets.js';
import { notFound, SimulatedApiError } from './api-error.js';
import { registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import { paginate, tokenOf } from './pagination.js';
import type { JsonObject } from './queue-types.js';

/** A secret and when it expires (`secret.json`). */
export interface SimulatedSecret {
  secret: JsonObject;
  expires: string;
}

/** The secrets of the simulated deployment, by name. */
export class SimulatedSecrets {
  readonly #secrets = new Map<string, SimulatedSecret>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Stores (or replaces) a secret. */
  set(name: string, secret: SimulatedSecret): void {
    this.#secrets.set(name, {
      secret: structuredClone(secret.secret),
      expires: new Date(secret.expires).toISOString(),
    });
  }

  /** A secret; 404 when there is none, 410 `ResourceExpired` once it has expired. */
  get(name: string): SimulatedSecret {
    const secret = this.#secrets.get(name);
    if (secret === undefined) throw notFound(`Secret \`${name}\` not found`);
    if (Date.parse(secret.expires) <= this.#now()) {
      throw new SimulatedApiError(410, 'ResourceExpired', `Secret \`${name}\` has expired`);
    }
    return structuredClone(secret);
  }

  /** Removes a secret; 404 when there is none. */
  remove(name: string): void {
    if (!this.#secrets.delete(name)) throw notFound(`Secret \`${name}\` not found`);
  }

  /** Every secret's name, sorted. */
  names(): string[] {
    return [...this.#secrets.keys()].sort();
  }

  /** Registers the secrets service's methods. */
  register(server: ApiServer): Promise<void> {
    return registerApiMethods(server, secretsTable, {
      set: (ctx) => {
        this.set(ctx.params.name!, ctx.body as SimulatedSecret);
        return { json: {} };
      },
      get: (ctx) => ({ json: this.get(ctx.params.name!) }),
      remove: (ctx) => {
        this.remove(ctx.params.name!);
        return { json: {} };
      },
      list: (ctx) => {
        const page = paginate(this.names(), ctx.query);
        return { json: { secrets: page.items, ...tokenOf(page) } };
      },
    });
  }
}

/**
 * The REST services by name, for code outside the client that builds clients of services it
 * names (the handler context's `context.queue`, `tc-pulse listen --with-task`): one generated
 * table of the current services instead of hand-kept imports of each class.
 */

import { restServiceClasses } from './generated/catalog.js';
import type { ClientOptions } from './options.js';

/** The name of a current REST service as a handler context's property (`purgeCache`). */
export type RestServiceName = keyof typeof restServiceClasses;

/** The client of service `Name` (`RestClient<'queue'>` is `Queue`). */
export type RestClient<Name extends RestServiceName> = InstanceType<
  (typeof restServiceClasses)[Name]
>;

/** The client class of service `name`. */
export function restServiceClass<Name extends RestServiceName>(
  name: Name,
): new (
  options: ClientOptions,
) => RestClient<Name> {
  return restServiceClasses[name] as unknown as new (
    options: ClientOptions,
  ) => RestClient<Name>;
}

/** A new client of service `name`. */
export function createRestClient<Name extends RestServiceName>(
  name: Name,
  options: ClientOptions,
): RestClient<Name> {
  return new (restServiceClass(name))(options);
}

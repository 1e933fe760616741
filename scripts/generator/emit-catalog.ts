/**
 * The catalogs: the current REST services' classes and the exchange services' classes, by name,
 * so that code outside the generated folders (the handler context, the CLI) reaches every
 * service through one table instead of a hand-kept list of imports.
 */

import { GENERATED_HEADER } from './docs.js';
import { clientModuleName } from './emit-client.js';
import type { ApiService, ExchangeService } from './model.js';
import { camelCase, compare, propertyKey, serviceClassName } from './names.js';

/** The catalog module's file name, in both generated folders. */
export const CATALOG_FILE = 'catalog.ts';

/** `src/client/generated/catalog.ts`: the current (not deprecated) REST services' classes. */
export function emitClientCatalog(apis: readonly ApiService[]): string {
  const current = apis
    .filter((api) => api.deprecated === undefined)
    .map((api) => ({
      key: camelCase(api.serviceName),
      className: serviceClassName(api.serviceName),
      module: clientModuleName(api.serviceName),
    }))
    .sort((a, b) => compare(a.key, b.key));
  return `${GENERATED_HEADER}
${current.map((s) => `import { ${s.className} } from './${s.module}.js';`).join('\n')}

/** The client class of every current REST service, by its service name in camel case (\`purgeCache\`). */
export const restServiceClasses = {
${current.map((s) => `  ${propertyKey(s.key)}: ${s.className},`).join('\n')}
} as const;
`;
}

/** `src/exchanges/generated/catalog.ts`: every exchange service's events class. */
export function emitEventsCatalog(services: readonly ExchangeService[]): string {
  const all = services
    .map((service) => ({
      key: service.serviceName,
      className: `${serviceClassName(service.serviceName)}Events`,
      module: `${service.serviceName}-events`,
    }))
    .sort((a, b) => compare(a.key, b.key));
  return `${GENERATED_HEADER}
${all.map((s) => `import { ${s.className} } from './${s.module}.js';`).join('\n')}

/** The events class of every exchange service, by service name (\`worker-manager\`). */
export const eventsClasses = {
${all.map((s) => `  ${propertyKey(s.key)}: ${s.className},`).join('\n')}
} as const;
`;
}

/**
 * The REST services' input and output schemas as data, for the simulated deployment to check
 * what it is sent and what it answers without the references: one module per service
 * (`<service>-api-schemas.ts`) with the schemas its methods name and every schema they
 * reference, keyed by `$id`; and an index (`api-schemas.ts`) that imports a service's module
 * only when asked.
 */

import { GENERATED_HEADER } from './docs.js';
import { literal } from './literal.js';
import { type ApiService, entrySchemaId, type Json } from './model.js';
import { compare, propertyKey } from './names.js';
import { schemaBundle } from './schema-bundle.js';

/** The index module's file name. */
export const API_SCHEMAS_INDEX = 'api-schemas.ts';

/** The file name of a service's API schemas module. */
export function apiSchemasFileName(serviceName: string): string {
  return `${serviceName}-api-schemas.ts`;
}

/** The services whose schemas exist (the legacy ones have none). */
export function typedServices(services: readonly ApiService[]): ApiService[] {
  return services.filter((service) => !service.untyped);
}

/** Writes `src/testing/generated/<service>-api-schemas.ts`. */
export function emitApiSchemas(
  service: ApiService,
  schemas: ReadonlyMap<string, Json>,
): { fileName: string; source: string } {
  const ids = service.entries.flatMap((entry) =>
    [entry.input, entry.output]
      .filter((relative) => relative !== undefined)
      .map((relative) => entrySchemaId(service.serviceName, relative)),
  );
  const data = { schemas: schemaBundle(ids, schemas, service.serviceName) };
  const source = `${GENERATED_HEADER}
import type { JsonSchema } from '../../exchanges/types.js';

/**
 * The input and output schemas of the ${service.title}'s methods and the schemas they
 * reference, keyed by \`$id\` (without descriptions).
 */
export const apiSchemas: { readonly schemas: { readonly [id: string]: JsonSchema } } = ${literal(data)};
`;
  return { fileName: apiSchemasFileName(service.serviceName), source };
}

/** Writes the index, `src/testing/generated/api-schemas.ts`. */
export function emitApiSchemasIndex(services: readonly ApiService[]): string {
  const loaders = typedServices(services)
    .map((service) => service.serviceName)
    .sort(compare)
    .map(
      (name) =>
        `  ${propertyKey(name)}: async () =>\n    (await import('./${apiSchemasFileName(name).replace(/\.ts$/, '.js')}')).apiSchemas,`,
    );
  return `${GENERATED_HEADER}
import type { JsonSchema } from '../../exchanges/types.js';

/** The input and output schemas of one REST service. */
export interface ApiSchemas {
  /** Every schema its methods name or reference, by \`$id\` (\`/schemas/queue/v1/task.json#\`). */
  readonly schemas: { readonly [id: string]: JsonSchema };
}

/** Loads the API schemas of a service, by service name; each module loads on first use. */
export const apiSchemaLoaders: { readonly [service: string]: () => Promise<ApiSchemas> } = {
${loaders.join('\n')}
};
`;
}

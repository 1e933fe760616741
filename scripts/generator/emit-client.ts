/** One service's generated module: its table, the types of its payloads, its methods, its class. */

import { GENERATED_HEADER, scopeLines } from './docs.js';
import { literal } from './literal.js';
import { type ApiService, entrySchemaId, type Json } from './model.js';
import { camelCase, compare, serviceClassName } from './names.js';
import { docComment, JSON_VALUE, TypeModule } from './schema-types.js';

/** What the generator knows after writing a service module, for the exchanges of the service. */
export interface ClientModule {
  readonly fileName: string;
  readonly source: string;
  /** Type names declared in the module, by ref key (`id#pointer`). */
  readonly types: ReadonlyMap<string, string>;
}

/** The module file name of a service, without extension. */
export function clientModuleName(serviceName: string): string {
  // `index.ts` would read as the folder's barrel module.
  return serviceName === 'index' ? 'index-service' : serviceName;
}

/** Writes `src/client/generated/<service>.ts`. */
export function emitClient(service: ApiService, schemas: ReadonlyMap<string, Json>): ClientModule {
  const className = serviceClassName(service.serviceName);
  const tableName = `${camelCase(className)}Table`;
  const methodsName = `${className}Methods`;
  const types = new TypeModule(schemas, service.serviceName, [
    className,
    tableName,
    methodsName,
    JSON_VALUE,
    'ApiMethod',
    'ApiTable',
    'defineService',
  ]);
  const entries = [...service.entries].sort((a, b) => compare(a.name, b.name));

  const table = {
    serviceName: service.serviceName,
    apiVersion: service.apiVersion,
    title: service.title,
    ...(service.deprecated === undefined ? {} : { deprecated: service.deprecated }),
    entries: entries.map((entry) => ({
      name: entry.name,
      method: entry.method,
      route: entry.route,
      args: entry.args,
      query: entry.query,
      ...(entry.input === undefined ? {} : { input: entry.input }),
      ...(entry.output === undefined ? {} : { output: entry.output }),
      ...(entry.scopes === undefined ? {} : { scopes: entry.scopes }),
      stability: entry.stability,
      title: entry.title,
      ...(entry.deprecated === undefined ? {} : { deprecated: entry.deprecated }),
    })),
  };

  const schemaType = (relative: string | undefined, absent: string): string => {
    if (relative === undefined) return absent;
    if (service.untyped) return JSON_VALUE;
    return types.typeOfSchema(entrySchemaId(service.serviceName, relative));
  };

  const members = entries.map((entry) => {
    const input = schemaType(entry.input, 'undefined');
    const output = schemaType(entry.output, `${JSON_VALUE} | undefined`);
    const query = entry.query.length === 0 ? 'never' : entry.query.map((q) => `'${q}'`).join(' | ');
    const args = `[${entry.args.map((a) => `'${a}'`).join(', ')}]`;
    const doc = [
      entry.title,
      '',
      `\`${entry.method.toUpperCase()} ${entry.route}\` (${entry.stability})`,
      ...(entry.scopes === undefined ? [] : ['', 'Scopes:', ...scopeLines(entry.scopes)]),
      ...(entry.deprecated === undefined ? [] : ['', `@deprecated ${entry.deprecated}`]),
    ];
    return `${docComment(doc, '  ')}  ${entry.name}: ApiMethod<{\n    args: ${args};\n    input: ${input};\n    output: ${output};\n    query: ${query};\n  }>;\n`;
  });

  const { declarations } = types.declare();
  const body = [
    `${docComment([`The methods of {@link ${className}}, typed from the ${service.title} reference.`], '')}export interface ${methodsName} {\n${members.join('')}}\n`,
    `${docComment([`The ${service.title} as data: one entry per method, sorted by name.`], '')}export const ${tableName} = ${literal(table)} as const satisfies ApiTable;\n`,
    ...declarations,
    `${docComment(
      [
        `Client of the ${service.title} (\`${service.serviceName}\` ${service.apiVersion}): \`new ${className}({ rootUrl, credentials })\`.`,
        ...(service.deprecated === undefined ? [] : ['', `@deprecated ${service.deprecated}`]),
      ],
      '',
    )}export const ${className} = defineService<${methodsName}>(${tableName});\n`,
    `${docComment(
      [
        `A client of the ${service.title}.`,
        ...(service.deprecated === undefined ? [] : ['', `@deprecated ${service.deprecated}`]),
      ],
      '',
    )}export type ${className} = InstanceType<typeof ${className}>;\n`,
  ].join('\n');
  const imports = [
    "import type { ApiMethod } from '../calling.js';",
    "import type { ApiTable } from '../reference.js';",
    "import { defineService } from '../service.js';",
    ...(new RegExp(`\\b${JSON_VALUE}\\b`).test(body)
      ? [`import type { ${JSON_VALUE} } from './json.js';`]
      : []),
  ];
  return {
    fileName: `${clientModuleName(service.serviceName)}.ts`,
    source: `${GENERATED_HEADER}\n${imports.join('\n')}\n\n${body}`,
    types: types.declared(),
  };
}

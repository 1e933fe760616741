/** One exchange service's generated module: its table, message types, methods and class. */

import { GENERATED_HEADER } from './docs.js';
import { clientModuleName } from './emit-client.js';
import { literal, stringLiteral } from './literal.js';
import {
  type ExchangeService,
  entrySchemaId,
  type Json,
  type RoutingKeyFieldReference,
} from './model.js';
import { camelCase, compare, propertyKey, serviceClassName } from './names.js';
import { docComment, type ImportedType, JSON_VALUE, TypeModule } from './schema-types.js';

/** The line width of the project's formatter. */
const LINE_WIDTH = 100;

/** Writes `src/exchanges/generated/<service>-events.ts`. */
export function emitEvents(
  service: ExchangeService,
  schemas: ReadonlyMap<string, Json>,
  clientTypes: ReadonlyMap<string, string> | undefined,
): { fileName: string; source: string } {
  const className = `${serviceClassName(service.serviceName)}Events`;
  const tableName = `${camelCase(className)}Table`;
  const methodsName = `${className}Methods`;
  const clientModule = `../../client/generated/${clientModuleName(service.serviceName)}.js`;
  const imports = new Map<string, ImportedType>();
  for (const [key, name] of clientTypes ?? []) imports.set(key, { name, from: clientModule });
  const types = new TypeModule(
    schemas,
    service.serviceName,
    [
      className,
      tableName,
      methodsName,
      JSON_VALUE,
      'ExchangeMethod',
      'ExchangeTable',
      'defineEvents',
    ],
    imports,
  );
  const entries = [...service.entries].sort((a, b) => compare(a.name, b.name));

  const table = {
    serviceName: service.serviceName,
    apiVersion: service.apiVersion,
    title: service.title,
    exchangePrefix: service.exchangePrefix,
    ...(service.deprecated === undefined ? {} : { deprecated: service.deprecated }),
    entries: entries.map((entry) => ({
      name: entry.name,
      exchange: entry.exchange,
      routingKey: entry.routingKey.map((field) => ({
        name: field.name,
        multipleWords: field.multipleWords,
        required: field.required,
        ...(field.constant === undefined ? {} : { constant: field.constant }),
      })),
      schema: entry.schema,
      title: entry.title,
      ...(entry.deprecated === undefined ? {} : { deprecated: entry.deprecated }),
    })),
  };

  const members = entries.map((entry) => {
    const payload = types.typeOfSchema(entrySchemaId(service.serviceName, entry.schema));
    const routing = entry.routingKey.map(
      (field) => `    ${propertyKey(field.name)}: ${routingType(field)};`,
    );
    const doc = [
      entry.title,
      '',
      `Exchange \`${service.exchangePrefix}${entry.exchange}\`, routing key \`${entry.routingKey
        .map((field) => field.name)
        .join('.')}\`.`,
      ...(entry.deprecated === undefined ? [] : ['', `@deprecated ${entry.deprecated}`]),
    ];
    // The name's type holds for any prefix (prefixes end with `/`), and narrows by comparison.
    const exchangeType = `\`\${string}/${entry.exchange}\``;
    return `${docComment(doc, '  ')}  ${entry.name}: ExchangeMethod<\n    ${payload},\n    {\n  ${routing.join('\n  ')}\n    },\n    ${exchangeType}\n  >;\n`;
  });

  const { declarations, imports: used } = types.declare();
  const body = [
    `${docComment([`The exchanges of {@link ${className}}, typed from the ${service.title} reference.`], '')}export interface ${methodsName} {\n${members.join('')}}\n`,
    `${docComment([`The ${service.title} as data: one entry per exchange, sorted by name.`], '')}export const ${tableName} = ${literal(table)} as const satisfies ExchangeTable;\n`,
    ...declarations,
    `${docComment(
      [
        `Bindings on the exchanges of the ${service.title}: \`new ${className}().${entries[0]?.name ?? 'exchange'}({ ... })\`.`,
        ...(service.deprecated === undefined ? [] : ['', `@deprecated ${service.deprecated}`]),
      ],
      '',
    )}export const ${className} = defineEvents<${methodsName}>(${tableName});\n`,
    `${docComment(
      [
        `The exchanges of the ${service.title}.`,
        ...(service.deprecated === undefined ? [] : ['', `@deprecated ${service.deprecated}`]),
      ],
      '',
    )}export type ${className} = InstanceType<typeof ${className}>;\n`,
  ].join('\n');
  const importLines = [
    ...(new RegExp(`\\b${JSON_VALUE}\\b`).test(body)
      ? [`import type { ${JSON_VALUE} } from '../../client/generated/json.js';`]
      : []),
    ...[...new Set(used.map((type) => type.from))].map((from) =>
      importTypes(
        used.filter((type) => type.from === from).map((type) => type.name),
        from,
      ),
    ),
    "import { defineEvents, type ExchangeMethod } from '../events.js';",
    "import type { ExchangeTable } from '../types.js';",
  ];
  return {
    fileName: `${service.serviceName}-events.ts`,
    source: `${GENERATED_HEADER}\n${importLines.join('\n')}\n\n${body}`,
  };
}

/** The parsed type of a field: its constant, a word, or `undefined` when it may be missing. */
function routingType(field: RoutingKeyFieldReference): string {
  if (field.constant !== undefined) return stringLiteral(field.constant);
  return field.required ? 'string' : 'string | undefined';
}

/** An `import type` statement, one name a line when it would be long. */
function importTypes(names: readonly string[], from: string): string {
  const line = `import type { ${names.join(', ')} } from '${from}';`;
  return line.length <= LINE_WIDTH
    ? line
    : `import type {\n${names.map((name) => `  ${name},`).join('\n')}\n} from '${from}';`;
}

/**
 * An exchange's message as its schema says: `publish` checks a payload against it before
 * connecting, `publish --example` samples a valid one, and routing-key field flags are checked
 * against the type of the payload property of the same name. A service's schemas, and ajv, load
 * only when a command needs them, so that the others start as fast as before.
 */

import { randomUUID } from 'node:crypto';
import type { Ajv, ErrorObject } from 'ajv';
import { createSchemaCompiler } from '../consumer/schema.js';
import { loadMessageSchemas } from '../exchanges/catalog.js';
import type { ExchangeMessage, JsonSchema, MessageSchemas } from '../exchanges/types.js';
import type { JsonValue } from '../index.js';
import { slugId } from '../utils/slugid.js';
import { CliUsageError } from './errors.js';
import type { ResolvedExchange } from './exchange-reference.js';
import { flagOf } from './fields.js';

/** The message of one exchange, with every schema of its service its `$ref`s may reach. */
export interface MessageSchema {
  /** `<service>.<exchange>`, for messages. */
  readonly reference: string;
  readonly message: ExchangeMessage;
  readonly schemas: MessageSchemas['schemas'];
}

/** Loads the message schema of an exchange. */
export async function messageSchemaOf(target: ResolvedExchange): Promise<MessageSchema> {
  const schemas = await loadMessageSchemas(target.service);
  const message = schemas?.exchanges[target.entry.name];
  if (schemas === undefined || message === undefined) {
    // The schema modules are generated from the same references as the exchanges.
    throw new Error(`no message schema for ${target.service}.${target.entry.name}`);
  }
  return { reference: `${target.service}.${target.entry.name}`, message, schemas: schemas.schemas };
}

/** What a flag's text must look like for each JSON type other than string. */
const FLAG_TYPES: Readonly<Record<string, { readonly words: string; readonly test: RegExp }>> = {
  integer: { words: 'an integer', test: /^-?\d+$/ },
  number: { words: 'a number', test: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/ },
  boolean: { words: 'true or false', test: /^(true|false)$/ },
};

/**
 * Refuses a routing-key field whose value the message could not carry: `--run-id x` where the
 * payload's `runId` is an integer. A filter with such a value would never match, and a published
 * message would contradict its own routing key.
 * @throws {CliUsageError} naming the flag, the type and the payload property.
 */
export function checkFieldValues(
  schema: MessageSchema,
  values: Readonly<Record<string, string | undefined>>,
): void {
  for (const [field, value] of Object.entries(values)) {
    const inPayload = schema.message.fields[field];
    if (value === undefined || inPayload === undefined) continue;
    const types = [inPayload.type].flat();
    if (types.includes('string')) continue;
    const expected = types.flatMap((type) => FLAG_TYPES[type] ?? []);
    if (expected.some(({ test }) => test.test(value))) continue;
    throw new CliUsageError(
      `${flagOf(field)} must be ${expected.map(({ words }) => words).join(' or ')}, not "${value}": ${inPayload.path.join('.')} is one in ${schema.reference} messages`,
    );
  }
}

/** A validator of every schema of a service, from the consumer's schema compiler. */
function compilerOf(schemas: MessageSchemas['schemas']): Ajv {
  const ajv = createSchemaCompiler();
  for (const schema of Object.values(schemas)) ajv.addSchema(schema);
  return ajv;
}

/**
 * Refuses a payload the exchange's message schema does not admit, with every problem in words.
 * @throws {CliUsageError} one line per problem.
 */
export function checkPayload(schema: MessageSchema, payload: unknown): void {
  const validate = compilerOf(schema.schemas).getSchema(schema.message.schema);
  if (validate === undefined) throw new Error(`no schema ${schema.message.schema}`);
  if (validate(payload)) return;
  const problems = [...new Set((validate.errors ?? []).map(describeError))];
  throw new CliUsageError(
    [
      `the payload is not a valid ${schema.reference} message (schema ${schema.message.schema}):`,
      ...problems.map((problem) => `  ${problem}`),
    ].join('\n'),
  );
}

/** One finding of ajv as a sentence about the payload: `status.runs[0].state must be one of ...`. */
function describeError(error: ErrorObject): string {
  const where =
    error.instancePath === ''
      ? 'the payload'
      : error.instancePath
          .slice(1)
          .split('/')
          .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
          .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
          .join('');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where} must not have the property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Strings a sample tries, in order, until one fits the pattern: most patterns admit a plain word,
 * Taskcluster's ids are slugIds, and the rest are a UUID (GitHub event ids), a hexadecimal
 * revision, a worker pool id or an IRC channel.
 */
function patternCandidates(): string[] {
  return [
    'example',
    slugId(),
    randomUUID(),
    '0123456789abcdef0123456789abcdef01234567',
    'example/example',
    '#example',
  ];
}

/** Values for the formats the schemas use, each valid for its format. */
const FORMAT_SAMPLES: Readonly<Record<string, () => string>> = {
  'date-time': () => new Date().toISOString(),
  uri: () => 'https://example.com/',
  email: () => 'user@example.com',
  regex: () => '.*',
};

/**
 * A payload the exchange's message schema admits: the required properties only, each with its
 * const, default or first enum value, else a value of its type within its bounds (formats and
 * patterns such as slugIds honoured). The first branch of a `oneOf` or `anyOf` is taken.
 */
export function examplePayload(schema: MessageSchema): JsonValue {
  const resolveSchema = (ref: string, baseId: string): [JsonSchema, string] => {
    const url = new URL(ref, `https://schemas.invalid${baseId}`);
    const id = `${url.pathname}#`;
    let node: JsonValue | undefined = schema.schemas[id];
    for (const part of decodeURIComponent(url.hash.slice(1)).split('/').slice(1)) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isSchema(node) ? node[key] : undefined;
    }
    if (!isSchema(node)) throw new Error(`${ref} (from ${baseId}) names no schema`);
    return [node, id];
  };
  const sample = (start: JsonSchema, startId: string): JsonValue => {
    let [node, baseId] = [start, startId];
    while (typeof node.$ref === 'string') [node, baseId] = resolveSchema(node.$ref, baseId);
    const branches = node.oneOf ?? node.anyOf;
    if (Array.isArray(branches) && isSchema(branches[0])) {
      const [branch, branchId] =
        typeof branches[0].$ref === 'string'
          ? resolveSchema(branches[0].$ref, baseId)
          : [branches[0], baseId];
      const { oneOf: _oneOf, anyOf: _anyOf, ...rest } = node;
      node = merge(rest, branch);
      baseId = branchId;
    }
    if (node.const !== undefined) return node.const;
    if (node.default !== undefined) return node.default;
    if (Array.isArray(node.enum)) return node.enum[0] ?? null;
    const declared = [node.type ?? []].flat().filter((type) => type !== 'null');
    const type = declared[0] ?? (isSchema(node.properties) ? 'object' : undefined);
    switch (type) {
      case 'object': {
        const properties = isSchema(node.properties) ? node.properties : {};
        const required = Array.isArray(node.required) ? node.required : [];
        const out: { [key: string]: JsonValue } = {};
        for (const name of required) {
          if (typeof name !== 'string') continue;
          const property = properties[name] ?? node.additionalProperties;
          out[name] = isSchema(property) ? sample(property, baseId) : 'example';
        }
        return out;
      }
      case 'array': {
        const count = typeof node.minItems === 'number' ? node.minItems : 0;
        const items = isSchema(node.items) ? node.items : {};
        return Array.from({ length: count }, () => sample(items, baseId));
      }
      case 'string':
        return sampleString(node);
      case 'integer':
      case 'number': {
        const minimum =
          typeof node.minimum === 'number'
            ? node.minimum
            : typeof node.exclusiveMinimum === 'number'
              ? node.exclusiveMinimum + 1
              : 0;
        return typeof node.maximum === 'number' ? Math.min(minimum, node.maximum) : minimum;
      }
      case 'boolean':
        return false;
      case 'null':
        return null;
      default:
        // No type: the schema admits any value.
        return {};
    }
  };
  const root = schema.schemas[schema.message.schema];
  if (root === undefined) throw new Error(`no schema ${schema.message.schema}`);
  return sample(root, schema.message.schema);
}

/** A string within a schema's format, pattern and length bounds. */
function sampleString(node: JsonSchema): string {
  const format = typeof node.format === 'string' ? FORMAT_SAMPLES[node.format] : undefined;
  const candidates = format === undefined ? patternCandidates() : [format()];
  const pattern = typeof node.pattern === 'string' ? new RegExp(node.pattern, 'u') : undefined;
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0;
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : Number.POSITIVE_INFINITY;
  const fits = candidates.find(
    (value) =>
      (pattern === undefined || pattern.test(value)) &&
      value.length >= minLength &&
      value.length <= maxLength,
  );
  if (fits === undefined) throw new Error(`no sample string fits ${JSON.stringify(node)}`);
  return fits;
}

/** A schema with a branch's keywords added; the properties and required lists of both hold. */
function merge(base: JsonSchema, branch: JsonSchema): JsonSchema {
  const merged = { ...base, ...branch };
  if (isSchema(base.properties) && isSchema(branch.properties)) {
    merged.properties = { ...base.properties, ...branch.properties };
  }
  if (Array.isArray(base.required) && Array.isArray(branch.required)) {
    merged.required = [...base.required, ...branch.required];
  }
  return merged;
}

function isSchema(value: JsonValue | undefined): value is { [keyword: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

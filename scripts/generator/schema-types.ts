/**
 * JSON schemas to TypeScript types. Every schema file (and every `$ref`'d pointer inside one) a
 * module needs becomes one named, exported type; everything else is written inline. Schemas the
 * generator cannot type precisely (no `type`, a `$ref` outside the deployment) become `JsonValue`.
 */

import { stringLiteral } from './literal.js';
import { isObject, type Json, type JsonObject } from './model.js';
import { compare, pascalCase, propertyKey } from './names.js';
import { atPointer, resolveRef, type SchemaRef } from './schema-refs.js';
import { ReferenceInputError } from './sources.js';

/** The name of the JSON value type every generated module imports. */
export const JSON_VALUE = 'JsonValue';

/** A type another module already declares. */
export interface ImportedType {
  readonly name: string;
  readonly from: string;
}

/** Keywords that say what a value is (as opposed to constraints such as `required`). */
const SHAPE_KEYWORDS = [
  'type',
  'properties',
  'additionalProperties',
  'patternProperties',
  'items',
  '$ref',
  'enum',
  'const',
  'oneOf',
  'anyOf',
  'allOf',
];

/** The named types of one generated module, collected as schemas are rendered. */
export class TypeModule {
  private readonly names = new Map<string, string>();
  private readonly taken: Set<string>;
  private readonly pending: { key: string; ref: SchemaRef }[] = [];
  private readonly declarations = new Map<string, string>();
  private readonly usedImports = new Map<string, ImportedType>();

  /**
   * @param schemas every schema by id
   * @param ownDir the service directory whose schemas get unprefixed names
   * @param reserved names the module declares otherwise (class, table, methods interface)
   * @param imports types of other modules by ref key (`id#pointer`), used instead of declaring
   */
  constructor(
    private readonly schemas: ReadonlyMap<string, Json>,
    private readonly ownDir: string,
    reserved: Iterable<string>,
    private readonly imports: ReadonlyMap<string, ImportedType> = new Map(),
  ) {
    this.taken = new Set(reserved);
  }

  /** The type name of a schema given by id (and pointer), declaring it when needed. */
  typeOfSchema(id: string, pointer = ''): string {
    return this.refName({ id, pointer, local: true });
  }

  /** The names this module declares, by ref key (`id#pointer`). */
  declared(): ReadonlyMap<string, string> {
    return this.names;
  }

  /** Renders every pending declaration; returns them sorted by name. */
  declare(): { declarations: string[]; imports: ImportedType[] } {
    while (this.pending.length > 0) {
      const { key, ref } = this.pending.shift()!;
      const name = this.names.get(key)!;
      const schema = this.lookup(ref);
      const title = isObject(schema) && typeof schema.title === 'string' ? schema.title : undefined;
      const doc = docComment(
        [title ?? `The schema ${ref.id}${ref.pointer ? `#${ref.pointer}` : ''}.`],
        '',
      );
      this.declarations.set(
        name,
        `${doc}export type ${name} = ${this.render(schema, ref.id, '')};\n`,
      );
    }
    const declarations = [...this.declarations.entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([, text]) => text);
    const imports = [...this.usedImports.values()].sort((a, b) => compare(a.name, b.name));
    return { declarations, imports };
  }

  private lookup(ref: SchemaRef): Json {
    const schema = this.schemas.get(ref.id);
    if (schema === undefined) throw new ReferenceInputError(`no schema ${ref.id}`);
    if (ref.pointer === '') return schema;
    const node = atPointer(schema, ref.pointer);
    if (node === undefined) throw new ReferenceInputError(`no ${ref.pointer} in ${ref.id}`);
    return node;
  }

  private refName(ref: SchemaRef): string {
    if (!ref.local) return JSON_VALUE;
    const key = `${ref.id}#${ref.pointer}`;
    const imported = this.imports.get(key);
    if (imported !== undefined) {
      this.usedImports.set(imported.name, imported);
      return imported.name;
    }
    const known = this.names.get(key);
    if (known !== undefined) return known;
    this.lookup(ref);
    const name = this.freeName(this.baseName(ref));
    this.names.set(key, name);
    this.pending.push({ key, ref });
    return name;
  }

  private baseName(ref: SchemaRef): string {
    const match = /^\/schemas\/([^/]+)\/(?:.*\/)?([^/]+?)(?:\.json)?$/.exec(ref.id);
    const dir = match?.[1] ?? '';
    const file = match?.[2] ?? ref.id;
    const pointerParts = ref.pointer
      .split('/')
      .filter((part) => part !== '' && !['definitions', 'properties', 'items'].includes(part));
    return pascalCase([dir === this.ownDir ? '' : dir, file, ...pointerParts].join(' '));
  }

  private freeName(base: string): string {
    const imported = new Set([...this.imports.values()].map((type) => type.name));
    let name = /^[0-9]/.test(base) ? `Schema${base}` : base;
    for (let n = 2; this.taken.has(name) || imported.has(name); n++) name = `${base}${n}`;
    this.taken.add(name);
    return name;
  }

  /** TypeScript for a schema; `indent` is the indentation of the line the type starts on. */
  private render(schema: Json | undefined, baseId: string, indent: string): string {
    if (schema === true || schema === undefined) return JSON_VALUE;
    if (schema === false) return 'never';
    if (!isObject(schema)) return JSON_VALUE;
    if (typeof schema.$ref === 'string') return this.refName(resolveRef(schema.$ref, baseId));
    if ('const' in schema) return literalType(schema.const ?? null);
    if (Array.isArray(schema.enum)) return union(schema.enum.map(literalType));

    const parts: string[] = [];
    const base = this.renderTyped(schema, baseId, indent);
    if (base !== undefined) parts.push(base);
    if (Array.isArray(schema.allOf)) {
      for (const member of schema.allOf) {
        if (isShape(member)) parts.push(parenthesize(this.render(member, baseId, indent)));
      }
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const members = schema[keyword];
      // A member that only constrains (e.g. `required`) admits every value of the base type.
      if (Array.isArray(members) && members.every(isShape)) {
        parts.push(parenthesize(union(members.map((m) => this.render(m, baseId, indent)))));
      }
    }
    if (parts.length === 0) return JSON_VALUE;
    return parts.length === 1 ? parts[0]! : parts.map(parenthesize).join(' & ');
  }

  /** The type the `type` keyword (or, without it, `properties`/`items`) gives, if any. */
  private renderTyped(schema: JsonObject, baseId: string, indent: string): string | undefined {
    const declared = Array.isArray(schema.type)
      ? schema.type.filter((t): t is string => typeof t === 'string')
      : typeof schema.type === 'string'
        ? [schema.type]
        : undefined;
    const types =
      declared ??
      (schema.properties !== undefined ||
      schema.additionalProperties !== undefined ||
      schema.patternProperties !== undefined
        ? ['object']
        : schema.items !== undefined
          ? ['array']
          : undefined);
    if (types === undefined) return undefined;
    return union(
      types.map((type) => {
        switch (type) {
          case 'string':
            return 'string';
          case 'number':
          case 'integer':
            return 'number';
          case 'boolean':
            return 'boolean';
          case 'null':
            return 'null';
          case 'array':
            return this.renderArray(schema, baseId, indent);
          case 'object':
            return this.renderObject(schema, baseId, indent);
          default:
            return JSON_VALUE;
        }
      }),
    );
  }

  private renderArray(schema: JsonObject, baseId: string, indent: string): string {
    const { items } = schema;
    if (Array.isArray(items)) {
      return `[${items.map((item) => this.render(item, baseId, indent)).join(', ')}]`;
    }
    const item = this.render(items, baseId, indent);
    return /^[A-Za-z0-9_]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
  }

  private renderObject(schema: JsonObject, baseId: string, indent: string): string {
    const inner = `${indent}  `;
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
    const lines: string[] = [];
    const valueTypes: string[] = [];
    for (const name of Object.keys(properties).sort(compare)) {
      const property = properties[name];
      const type = this.render(property, baseId, inner);
      valueTypes.push(type);
      const title = isObject(property) && typeof property.title === 'string' ? property.title : '';
      if (title !== '') lines.push(docComment([title], inner).trimEnd());
      lines.push(`${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${type};`);
    }
    const extra: string[] = [];
    const additional = schema.additionalProperties;
    if (additional !== undefined && additional !== false) {
      extra.push(this.render(additional, baseId, inner));
    }
    if (isObject(schema.patternProperties)) {
      for (const key of Object.keys(schema.patternProperties).sort(compare)) {
        extra.push(this.render(schema.patternProperties[key], baseId, inner));
      }
    }
    const free = additional === undefined && schema.patternProperties === undefined;
    if (extra.length === 0 && free && lines.length === 0) extra.push(JSON_VALUE);
    if (extra.length > 0) {
      // Named properties must fit the index signature, so it admits their types too.
      const index =
        lines.length === 0 ? union(extra) : union([...extra, ...valueTypes, 'undefined']);
      lines.push(`${inner}[key: string]: ${index};`);
    }
    if (lines.length === 0) return 'Record<string, never>';
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
}

function isShape(schema: Json): boolean {
  return (
    typeof schema === 'boolean' || (isObject(schema) && SHAPE_KEYWORDS.some((k) => k in schema))
  );
}

function literalType(value: Json): string {
  if (typeof value === 'string') return stringLiteral(value);
  if (value === null || typeof value !== 'object') return String(value);
  return JSON_VALUE;
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  // JsonValue takes every JSON type, but not `undefined`: an optional property's type needs
  // it beside an index signature, whatever the user's exactOptionalPropertyTypes.
  if (unique.includes(JSON_VALUE)) {
    return unique.includes('undefined') ? `${JSON_VALUE} | undefined` : JSON_VALUE;
  }
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

function parenthesize(type: string): string {
  return type.includes(' | ') && !type.startsWith('(') ? `(${type})` : type;
}

/** A TSDoc comment of the given lines, indented; `*\/` in the text is defused. */
export function docComment(lines: readonly string[], indent: string): string {
  const text = lines
    .flatMap((line) => line.split('\n'))
    .map((line) => line.replace(/\*\//g, '*\\/'));
  if (text.length === 1) return `${indent}/** ${text[0]} */\n`;
  return `${indent}/**\n${text.map((line) => `${indent} *${line === '' ? '' : ` ${line}`}`).join('\n')}\n${indent} */\n`;
}

/**
 * JSON schema validation of message payloads (ajv), shared by the publisher (before sending)
 * and the consumer (poison detection). A schema is compiled once and cached.
 */

import { createRequire } from 'node:module';
import type { Ajv, AnySchemaObject, ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';

/** A message schema, or a validator already compiled from one. */
export type PayloadSchema = AnySchemaObject | ValidateFunction;

const compiled = new WeakMap<object, ValidateFunction>();
let ajvClass: typeof Ajv | undefined;
let addFormats: ((instance: Ajv) => Ajv) | undefined;
let ajv: Ajv | undefined;

/**
 * A new schema compiler with the formats Taskcluster's schemas use. ajv is required on first
 * use: it is a large library that only consumers and publishers given schemas (and the CLI's
 * payload check) need, and loading it would double the package's import time.
 */
export function createSchemaCompiler(): Ajv {
  if (ajvClass === undefined || addFormats === undefined) {
    const require = createRequire(import.meta.url);
    ajvClass = (require('ajv') as typeof import('ajv')).Ajv;
    addFormats = (require('ajv-formats') as { default: (instance: Ajv) => Ajv }).default;
  }
  // Taskcluster's schemas declare draft-06, which ajv 8 does not bundle; the keywords they
  // use are the same, so the declaration is not checked.
  const instance = new ajvClass({ strict: false, validateSchema: false, allErrors: true });
  addFormats(instance);
  return instance;
}

/** The compiler of the payload schemas given to consumers and publishers, made once. */
function compiler(): Ajv {
  ajv ??= createSchemaCompiler();
  return ajv;
}

/**
 * The validator of a schema.
 * @throws {InputError} when the schema does not compile.
 */
export function validatorOf(schema: PayloadSchema): ValidateFunction {
  if (typeof schema === 'function') return schema;
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      validate = compiler().compile(schema);
    } catch (error) {
      throw new InputError('the message schema does not compile', { cause: error });
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/** The validator's findings about the last payload it rejected, as `path message` lines. */
export function schemaErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
  );
}

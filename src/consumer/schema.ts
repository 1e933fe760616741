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
let ajv: Ajv | undefined;

/**
 * The schema compiler, loaded on first use: ajv is a large library that only consumers and
 * publishers given schemas need, and loading it would double the package's import time.
 */
function compiler(): Ajv {
  if (ajv === undefined) {
    const require = createRequire(import.meta.url);
    const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
    const addFormats = require('ajv-formats') as { default: (instance: Ajv) => Ajv };
    // Taskcluster's schemas declare draft-06, which ajv 8 does not bundle; the keywords they
    // use are the same, so the declaration is not checked.
    ajv = new AjvClass({ strict: false, validateSchema: false, allErrors: true });
    addFormats.default(ajv);
  }
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

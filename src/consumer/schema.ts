/**
 * JSON schema validation of message payloads (ajv), shared by the publisher (before sending)
 * and the consumer (poison detection). A schema is compiled once and cached.
 */

import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError } from '../errors.js';

/** A message schema, or a validator already compiled from one. */
export type PayloadSchema = AnySchemaObject | ValidateFunction;

// Taskcluster's schemas declare draft-06, which ajv 8 does not bundle; the keywords they use
// are the same, so the declaration is not checked.
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * The validator of a schema.
 * @throws {InputError} when the schema does not compile.
 */
export function validatorOf(schema: PayloadSchema): ValidateFunction {
  if (typeof schema === 'function') return schema;
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
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

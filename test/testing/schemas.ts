/**
 * Validation of the simulated deployment's answers and messages against the queue's and object
 * service's JSON schemas (a copy of the published v106 schemas in fixtures/).
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fixture from './fixtures/taskcluster-schemas.json' with { type: 'json' };

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
for (const schema of fixture.schemas) {
  ajv.addSchema(schema);
}

/** The validation errors of `value` against a schema (e.g. `queue/v1/task.json`); empty if valid. */
export function schemaErrors(schema: string, value: unknown): string[] {
  const validate = ajv.getSchema(`/schemas/${schema}#`);
  if (!validate) {
    throw new Error(`No schema ${schema}`);
  }
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

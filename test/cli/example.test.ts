/**
 * `tc-pulse publish <exchange> --example` for every exchange: the sample is valid against the
 * message schema of the published references (compiled here by ajv, independently of the
 * schemas the package ships), and `publish --payload` with that sample passes the CLI's own
 * check, failing only at the (unreachable) broker.
 */

import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { entrySchemaId } from '../../scripts/generator/model.js';
import { loadReferenceFolder } from '../../scripts/generator/sources.js';
import { eventsOf } from '../../src/cli/exchange-reference.js';
import { flagOf } from '../../src/cli/fields.js';
import { EXCHANGE_SERVICE_NAMES } from '../../src/exchanges/catalog.js';
import { runHere } from './run-cli.js';

const REFERENCES = fileURLToPath(new URL('../../references', import.meta.url));

/** Every exchange as `[<service>.<exchange>, message schema id, required field flags]`. */
const EXCHANGES = EXCHANGE_SERVICE_NAMES.flatMap((service) => {
  const { table } = eventsOf(service);
  return table.entries.map((entry) => {
    const fields = entry.routingKey
      .filter((field) => field.required && field.constant === undefined)
      // "0" is a word that every field type (string or integer) admits.
      .flatMap((field) => [flagOf(field.name), '0']);
    return [`${service}.${entry.name}`, entrySchemaId(service, entry.schema), fields] as const;
  });
});

let ajv: Ajv;

beforeAll(async () => {
  const { schemas } = await loadReferenceFolder(REFERENCES);
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  for (const [id, schema] of schemas) {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) continue;
    // The references' draft-06 declaration names a meta-schema ajv 8 does not bundle.
    const { $schema: _declared, ...rest } = schema;
    ajv.addSchema({ ...rest, $id: `${id}#` });
  }
});

describe.concurrent('tc-pulse publish --example', () => {
  it('covers every exchange of every service', () => {
    expect(new Set(EXCHANGES.map(([reference]) => reference.split('.')[0]))).toEqual(
      new Set(EXCHANGE_SERVICE_NAMES),
    );
    expect(EXCHANGES.map(([reference]) => reference)).toContain('notify.ircRequest');
  });

  it.each(EXCHANGES)(
    '%s prints a payload its message schema admits',
    async (reference, id, fields) => {
      const result = await runHere(['publish', reference, '--example']);
      expect(result.code, result.stderr).toBe(0);
      const payload: unknown = JSON.parse(result.stdout);
      const validate = ajv.getSchema(`${id}#`)!;
      expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);

      const published = await runHere([
        'publish',
        reference,
        '--payload',
        result.stdout,
        ...fields,
        '--url',
        'amqp://user:pw@127.0.0.1:1',
      ]);
      expect(published.code).toBe(1);
      expect(published.stderr).toMatch(
        /^tc-pulse: error: cannot connect to amqp:\/\/user@127.0.0.1:1/,
      );
    },
  );

  it('samples formats and patterns: date-times, slugIds, enums and integer minimums', async () => {
    const { stdout } = await runHere(['publish', 'queue.taskCompleted', '--example']);
    const { status, runId } = JSON.parse(stdout);
    expect(new Date(status.deadline).toISOString()).toBe(status.deadline);
    expect(status.taskId).toMatch(
      /^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/,
    );
    expect(status.state).toBe('unscheduled');
    expect(runId).toBe(0);
    // A fresh id each time, as for a new task.
    const again = JSON.parse(
      (await runHere(['publish', 'queue.taskCompleted', '--example'])).stdout,
    );
    expect(again.status.taskId).not.toBe(status.taskId);
  });
});

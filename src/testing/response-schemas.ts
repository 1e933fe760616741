/**
 * The run-time check of fakes' results (a client's `fakeSchemas` option) against the response
 * schemas of the references the clients are generated from, the same schemas the simulated
 * services answer by. It lives with the simulation so that bots, which never fake, do not
 * carry the schemas.
 */
import type { FakeResultSchemas } from '../client/fake.js';
import { schemaErrors } from '../consumer/schema.js';
import { InputError } from '../errors.js';
import { schemaValidators } from './api-methods.js';
import { apiSchemaLoaders } from './generated/api-schemas.js';

/**
 * Checks fakes' results against the response schemas of the references: give it as a fake
 * client's `fakeSchemas` option, e.g. `new Queue({ rootUrl, fake, fakeSchemas:
 * responseSchemas })`. A result that does not match rejects the call with a `FakeCallError`
 * (`InvalidFakeResult`) listing the findings. A client of a service the references do not
 * hold (one made from another reference) is refused with an `InputError` on its first call.
 */
export const responseSchemas: FakeResultSchemas = {
  async check(serviceName, schema, result) {
    if (apiSchemaLoaders[serviceName] === undefined) {
      throw new InputError(
        `responseSchemas holds the schemas of ${Object.keys(apiSchemaLoaders).join(', ')}, not of ${serviceName}`,
      );
    }
    const validate = (await schemaValidators(serviceName))(schema);
    return validate(result) ? [] : schemaErrors(validate);
  },
};

/**
 * Turns deliveries into typed messages: one JSON.parse, the routing key parsed by a parser
 * compiled once per exchange, and no per-message closures. A delivery that cannot be decoded
 * is poison: {@link PoisonMessageError} says why, and the consumer dead-letters it.
 */

import type { ValidateFunction } from 'ajv';
import type { Delivery } from '../broker/transport.js';
import { compileRoutingKeyParser, type RoutingKeyParser } from '../exchanges/routing-key.js';
import type { Binding } from '../exchanges/types.js';
import { PoisonMessageError } from './errors.js';
import {
  ATTEMPTS_HEADER,
  DeliveredMessage,
  type DeliveryChannel,
  EXCHANGE_HEADER,
  ROUTING_KEY_HEADER,
} from './message.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './options.js';
import { type PayloadSchema, schemaErrors, validatorOf } from './schema.js';

const JSON_CONTENT_TYPE = 'application/json';
const NO_ROUTING: Record<string, string | undefined> = Object.freeze({}) as Record<
  string,
  string | undefined
>;

/** Decodes the deliveries of one consumer, given its bindings. */
export class MessageDecoder {
  /** Parser by exchange; `null` for exchanges bound without a routing-key reference. */
  readonly #parsers = new Map<string, RoutingKeyParser | null>();
  /** Validators by exchange, when schemas were given. */
  readonly #validators: Map<string, ValidateFunction> | undefined;
  readonly #maxBytes: number;

  constructor(
    bindings: readonly Binding<unknown, unknown>[],
    schemas: Readonly<Record<string, PayloadSchema>> | undefined,
    maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.#maxBytes = maxBytes;
    this.#validators =
      schemas === undefined
        ? undefined
        : new Map(
            Object.entries(schemas).map(([exchange, schema]) => [exchange, validatorOf(schema)]),
          );
    for (const binding of bindings) {
      const known = this.#parsers.get(binding.exchange);
      if (known) continue;
      this.#parsers.set(
        binding.exchange,
        binding.routingKeyReference === undefined
          ? null
          : compileRoutingKeyParser(binding.routingKeyReference),
      );
    }
  }

  /**
   * The message of a delivery.
   * @throws {PoisonMessageError} when it cannot be decoded.
   */
  decode(delivery: Delivery, source: DeliveryChannel): DeliveredMessage {
    const properties = delivery.properties;
    const headers = properties.headers;
    let exchange = delivery.fields.exchange;
    let routingKey = delivery.fields.routingKey;
    let attempt = 1;
    if (headers !== undefined) {
      // A retried message comes back through the default exchange; its origin is in headers.
      const original = headers[EXCHANGE_HEADER];
      if (typeof original === 'string') {
        exchange = original;
        routingKey = String(headers[ROUTING_KEY_HEADER]);
      }
      const attempts = headers[ATTEMPTS_HEADER];
      if (typeof attempts === 'number') attempt = attempts + 1;
    }
    if (delivery.content.length > this.#maxBytes) {
      throw new PoisonMessageError(
        'too-large',
        `the body has ${delivery.content.length} bytes, more than the ${this.#maxBytes} allowed`,
      );
    }
    const contentType = properties.contentType;
    if (contentType !== undefined && contentType !== JSON_CONTENT_TYPE) {
      throw new PoisonMessageError(
        'wrong-content-type',
        `content type "${contentType}" is not ${JSON_CONTENT_TYPE}`,
      );
    }
    const parser = this.#parsers.get(exchange);
    if (parser === undefined) {
      throw new PoisonMessageError(
        'unknown-exchange',
        `exchange "${exchange}" is not one of the consumer's bindings`,
      );
    }
    let routing = NO_ROUTING;
    if (parser !== null) {
      try {
        routing = parser(routingKey);
      } catch (error) {
        throw new PoisonMessageError('bad-routing-key', (error as Error).message, error);
      }
    }
    let payload: unknown;
    try {
      payload = JSON.parse(delivery.content.toString('utf8'));
    } catch (error) {
      throw new PoisonMessageError('not-json', `the body is not JSON: ${(error as Error).message}`);
    }
    const validate = this.#validators?.get(exchange);
    if (validate !== undefined && !validate(payload)) {
      throw new PoisonMessageError(
        'schema-mismatch',
        `the payload does not match the schema of ${exchange}: ${schemaErrors(validate).join('; ')}`,
      );
    }
    return new DeliveredMessage(delivery, source, exchange, routingKey, routing, payload, attempt);
  }
}

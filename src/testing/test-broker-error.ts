/** The error of a test broker that cannot be had, with what to do about it. */

import { type ErrorOptions, TaskclusterPulseError } from '../errors.js';

/** Why a test broker cannot be had. */
export type TestBrokerErrorCode =
  /** `PULSE_TEST_BROKER` (or the `broker` option) is none of `container`, `local`, `auto`. */
  | 'bad-option'
  /** The broker of `PULSE_TEST_URL` (or the `url` option) does not accept a login. */
  | 'url-unreachable'
  /** No RabbitMQ accepts a login on 127.0.0.1:5672. */
  | 'local-unreachable'
  /** A container was asked for, and no Docker engine answers. */
  | 'no-docker'
  /** Neither a Docker engine nor a local RabbitMQ is there. */
  | 'no-broker'
  /** The image is not on the machine and cannot be pulled. */
  | 'image-missing'
  /** The container did not start, or AMQP did not come up in it in time. */
  | 'container-failed'
  /** A container broker needs the testcontainers package, and it is not installed. */
  | 'testcontainers-missing'
  /** A command run on the broker's node (rabbitmqctl) failed. */
  | 'command-failed';

/** A test broker cannot be had; the message says why and how to get one. Never holds a password. */
export class TestBrokerError extends TaskclusterPulseError<TestBrokerErrorCode> {
  override name = 'TestBrokerError';

  constructor(code: TestBrokerErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

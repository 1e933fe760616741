/**
 * The logger every layer writes to: the REST client (each attempt), the consumer (connection
 * life, handler failures) and the health server. One interface, so that one pino instance (or
 * any adapter with these four methods) serves the whole bot. Nothing written to it holds a
 * secret.
 */

/** A pino-style logger: any object with these methods (pino, console-like adapters). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

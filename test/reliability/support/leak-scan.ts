/**
 * The leak scan: every secret the suite uses is registered here, and everything the code under
 * test shows (stderr and stdout, logger lines, status events, errors) is recorded here. The
 * setup file checks, after each test file, that no secret appears in any of it.
 */

import { inspect } from 'node:util';
import type { Logger } from '../../../src/logger.js';

/** Secrets known before any test runs; tests add generated ones with {@link registerSecret}. */
export const FIXED_SECRETS = {
  /** The access token of the REST tests' permanent client. */
  restAccessToken: 'rel-ACCESS-token-7Zq1w9Xk3mVb5Np0',
  /** The password of the dedicated RabbitMQ user (with characters that URLs encode). */
  pulsePassword: 'rel-PULSE-pass-4Hs8/Qe+2Lc6@Tu1',
} as const;

const secrets = new Set<string>(Object.values(FIXED_SECRETS));
const records: string[] = [];
let debugLines = 0;

/** Adds a secret (a temporary access token, a certificate signature, a bewit...). */
export function registerSecret(secret: string): void {
  if (secret.length >= 8) secrets.add(secret);
}

/** Every registered secret. */
export function registeredSecrets(): readonly string[] {
  return [...secrets];
}

/** Records text shown to users (log lines, status events). */
export function recordShown(text: string): void {
  records.push(text);
}

/** Every rendering of an error a user may see: message, stack, causes, JSON and inspect. */
export function renderError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(String(current), inspect(current, { depth: 4 }));
    try {
      parts.push(JSON.stringify(current) ?? '');
    } catch {
      // Circular structures are shown by inspect already.
    }
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** Records an error raised by the code under test, and returns it. */
export function recordError<E>(error: E): E {
  records.push(renderError(error));
  return error;
}

/** Resolves with the rejection of `promise` (recorded), or fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return recordError(error);
  }
  throw new Error('expected a rejection');
}

/** Returns what `work` throws (recorded), or undefined when it does not throw. */
export function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return recordError(error);
  }
  return undefined;
}

/** A pino-style logger whose lines are recorded for the scan. */
export function capturingLogger(lines: string[] = []): Logger {
  const record = (obj: object, msg?: string) => {
    const line = inspect([obj, msg], { depth: 6 });
    lines.push(line);
    records.push(line);
  };
  return { debug: record, info: record, warn: record, error: record };
}

/** Counts a debug line the REST client wrote to stderr. */
export function countDebugLine(): void {
  debugLines++;
}

/** What the scan has seen so far. */
export function scanned(): { records: number; debugLines: number; characters: number } {
  return {
    records: records.length,
    debugLines,
    characters: records.reduce((sum, text) => sum + text.length, 0),
  };
}

/** The secrets (with their URL-encoded forms) found in what was recorded; empty when clean. */
export function leakedSecrets(): string[] {
  const found = new Set<string>();
  for (const text of records) {
    for (const secret of secrets) {
      if (text.includes(secret) || text.includes(encodeURIComponent(secret))) found.add(secret);
    }
  }
  return [...found];
}

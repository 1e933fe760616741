import { afterEach, describe, expect, it, vi } from 'vitest';
import { PULSE_URL_ENV } from '../../src/consumer/options.js';
import { connect } from '../../src/consumer/pulse.js';
import type { Logger } from '../../src/logger.js';
import { BROKER_URL } from '../support/rabbitmq.js';

function recordingLogger(lines: string[]): Logger {
  const record = (_: object, msg?: string) => {
    lines.push(msg ?? '');
  };
  return { debug: record, info: record, warn: record, error: record };
}

describe('connect() without a broker', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses a new in-memory broker when PULSE_URL is unset, and says so once', async () => {
    vi.stubEnv(PULSE_URL_ENV, '');
    const lines: string[] = [];
    const pulse = connect({ namespace: 'demo', logger: recordingLogger(lines) });
    try {
      await pulse.connected();
      expect(pulse.broker).toBe('in-memory broker');
      expect(lines.filter((line) => line.includes('in-memory broker'))).toHaveLength(1);
    } finally {
      await pulse.close();
    }
  });

  it('connects to PULSE_URL when it is set, without showing its password', async () => {
    vi.stubEnv(PULSE_URL_ENV, BROKER_URL);
    const lines: string[] = [];
    const pulse = connect({ namespace: 'demo', logger: recordingLogger(lines) });
    try {
      await pulse.connected();
      const password = new URL(BROKER_URL).password;
      expect(pulse.broker).toMatch(/^amqps?:\/\//);
      expect(pulse.broker).not.toContain(`:${password}@`);
      expect(lines.some((line) => line.includes('in-memory broker'))).toBe(false);
    } finally {
      await pulse.close();
    }
  });
});

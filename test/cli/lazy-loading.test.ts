import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const PROGRAM = fileURLToPath(new URL('./fixtures/lazy-ajv.ts', import.meta.url));

// ajv is most of what checking a payload costs; a fresh process, since test files share caches.
describe('tc-pulse loads ajv only to check a payload', () => {
  it('not to list exchanges, check a field or sample a payload', async () => {
    const { stdout } = await promisify(execFile)(TSX, [PROGRAM]);
    expect(JSON.parse(stdout)).toEqual({
      exchanges: false,
      binding: false,
      example: false,
      publish: true,
    });
  });
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const PROGRAM = fileURLToPath(new URL('./fixtures/lazy-loads.ts', import.meta.url));

// hawk and slugid (with uuid) are required when first used, not with the package: the start-up
// benchmark's figure depends on it. A fresh process, since test files share module caches.
describe('the REST client loads hawk and slugid on first use', () => {
  it('neither with the package nor with a client; slugid with the first id, hawk with the first signature', async () => {
    const { stdout } = await promisify(execFile)(TSX, [PROGRAM]);
    expect(JSON.parse(stdout)).toEqual({
      imported: [],
      constructed: [],
      slugId: ['slugid', 'uuid'],
      signed: ['hawk', 'slugid', 'uuid'],
    });
  });
});

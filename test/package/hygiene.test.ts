/**
 * What the tarball carries besides the code: the licence package.json names, a README whose
 * links lead to files in the tarball (or elsewhere, absolutely), and a repository that never
 * commits a packed tarball. Listed with `npm pack --dry-run` (no build: the listing is enough).
 */

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the package tarball', () => {
  let files: string[];

  beforeAll(async () => {
    const { stdout } = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    files = packed.files.map((file) => file.path);
  }, 120_000);

  it('carries the MPL-2.0 licence that package.json names', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      license: string;
    };
    expect(pkg.license).toBe('MPL-2.0');
    expect(files).toContain('LICENSE');
    const licence = await readFile(join(ROOT, 'LICENSE'), 'utf8');
    expect(licence.startsWith('Mozilla Public License Version 2.0\n')).toBe(true);
  });

  it("has the README, and every one of the README's relative links leads into the tarball", async () => {
    expect(files).toContain('README.md');
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'));
    expect(links.length).toBeGreaterThan(3);
    const missing = links.filter((target) => {
      const path = target.replace(/#.*$/, '').replace(/^\.\//, '');
      return !files.some((file) => file === path || file.startsWith(path.replace(/\/?$/, '/')));
    });
    expect(missing).toEqual([]);
  });

  it('is never committed: *.tgz is ignored', async () => {
    const { stdout } = await exec('git', ['check-ignore', 'taskcluster-pulse-0.1.0.tgz'], {
      cwd: ROOT,
    });
    expect(stdout.trim()).toBe('taskcluster-pulse-0.1.0.tgz');
  });
});

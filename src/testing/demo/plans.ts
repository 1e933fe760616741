/**
 * The task group the demo plays: a decision task, builds on two platforms, their tests (one
 * fails), a lint task that ends in an exception, and a packaging step, with artifacts of every
 * storage type a bot meets (`s3` logs, `object` build outputs, `reference` links and an `error`
 * artifact for a file the worker could not find).
 */

import type { ArtifactInput } from '../queue-artifacts.js';
import type { TaskGroupPlan } from './lifecycle.js';

/** A log of `lines` lines whose last line is `last`. */
function log(task: string, lines: number, last: string): ArtifactInput {
  const body = Array.from(
    { length: lines },
    (_, i) => `[task ${task}] step ${i + 1}: ok (${(i * 37) % 101} ms)`,
  );
  body.push(last);
  return {
    storageType: 's3',
    name: 'public/logs/live.log',
    content: `${body.join('\n')}\n`,
    contentType: 'text/plain; charset=utf-8',
  };
}

/** A build output of `size` bytes (deterministic, so runs compare). */
function binary(name: string, size: number): ArtifactInput {
  const content = Buffer.alloc(size);
  for (let i = 0; i < size; i++) content[i] = (i * 31 + name.length) % 251;
  return { storageType: 'object', name, content, contentType: 'application/octet-stream' };
}

function json(name: string, value: unknown): ArtifactInput {
  return {
    storageType: 'object',
    name,
    content: JSON.stringify(value, null, 2),
    contentType: 'application/json',
  };
}

/** The demo's task group: eight tasks, six complete, one fails, one ends in an exception. */
export const DEMO_TASK_GROUP: TaskGroupPlan = {
  name: 'demo push',
  tasks: [
    {
      name: 'decision',
      outcome: { type: 'completed' },
      artifacts: [
        log('decision', 20, 'created 7 tasks'),
        json('public/task-graph.json', { tasks: 7, generatedBy: 'decision' }),
      ],
    },
    {
      name: 'build-linux',
      dependsOn: ['decision'],
      outcome: { type: 'completed' },
      routes: ['index.project.demo.build-linux'],
      artifacts: [
        log('build-linux', 120, 'build finished'),
        binary('public/build/target.tar.gz', 96 * 1024),
      ],
    },
    {
      name: 'build-macos',
      dependsOn: ['decision'],
      outcome: { type: 'completed' },
      routes: ['index.project.demo.build-macos'],
      artifacts: [
        log('build-macos', 100, 'build finished'),
        binary('public/build/target.dmg', 128 * 1024),
      ],
    },
    {
      name: 'lint',
      dependsOn: ['decision'],
      outcome: { type: 'exception', reason: 'malformed-payload' },
    },
    {
      name: 'test-linux',
      dependsOn: ['build-linux'],
      outcome: { type: 'failed' },
      artifacts: [log('test-linux', 60, 'FAIL test_network: timed out after 30 s')],
    },
    {
      name: 'test-macos',
      dependsOn: ['build-macos'],
      outcome: { type: 'completed' },
      artifacts: [
        log('test-macos', 60, '412 passed'),
        json('public/test/results.json', { passed: 412, failed: 0 }),
        {
          storageType: 'error',
          name: 'public/test/screenshots.zip',
          reason: 'file-missing-on-worker',
          message: 'no screenshots were taken',
        },
      ],
    },
    {
      name: 'docs',
      dependsOn: ['decision'],
      outcome: { type: 'completed' },
      artifacts: [
        {
          storageType: 'reference',
          name: 'public/docs/index.html',
          url: 'https://docs.example.com/demo/index.html',
          contentType: 'text/html',
        },
      ],
    },
    {
      name: 'package',
      dependsOn: ['build-linux', 'build-macos'],
      outcome: { type: 'completed' },
      artifacts: [binary('public/dist/package.zip', 64 * 1024)],
    },
  ],
};

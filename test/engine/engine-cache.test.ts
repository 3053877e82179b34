/**
 * The engine cache is bounded by (approximate) bytes, not only by count: with ENGINE_CACHE_MB=8 and the
 * default count of 500, starting eight instances keeps only the engines that fit (a hostBasic engine
 * weighs about 3 MB: 11 KB of state); an instance whose engine was let go is rebuilt from its stored
 * state at its next step.
 */
import type { Core } from '../../src/core';
import { HEAP_BYTES_PER_STATE_BYTE } from '../../src/engine/runner';
import { openTasksOf } from '../../src/engine/tasks';
import { useCore } from '../support/medium';

let core: Core;
useCore((c) => (core = c), { engineCacheMb: 8, engineCacheSize: 500 });

test('ENGINE_CACHE_MB bounds the kept engines by their weight; an evicted one is rebuilt and steps on', async () => {
  await core.clockControl.set('2026-11-02T09:00:00+08:00');
  const bound = 8 * 1024 * 1024;
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const inst = await core.runner.start({ countyId: 'testshire', processKey: 'hostBasic', businessKey: `EC-${i}`, actor: 'tester', variables: { verdict: 'genuine' } });
    ids.push(inst.id);
    expect(core.runner.cachedBytes).toBeLessThanOrEqual(bound);
  }
  // With the count bound alone (500) all eight would be kept.
  expect(core.runner.cachedEngines).toBeGreaterThan(0);
  expect(core.runner.cachedEngines).toBeLessThan(8);
  expect(core.runner.cachedBytes).toBeGreaterThan(0);
  expect(core.runner.cachedBytes / core.runner.cachedEngines).toBeGreaterThan(HEAP_BYTES_PER_STATE_BYTE * 100); // weighed by state, not counted

  // The first instance's engine was let go; its next step rebuilds it from the stored state.
  const [task] = await openTasksOf(core.db.knex, ids[0]);
  await core.runner.complete(task, 'tester', { verdict: 'genuine' });
  const row = await core.db.knex('process_instances').where({ id: ids[0] }).first();
  expect(row.revision).toBe(2);
  expect((await core.db.knex('tasks').where({ id: task.id }).first()).status).toBe('completed');
  expect(core.runner.cachedBytes).toBeLessThanOrEqual(bound);
});

import { Engine } from 'bpmn-engine';
import { BpmnModdle } from 'bpmn-moddle';
import { Test } from '@nestjs/testing';
import { PGlite } from '@electric-sql/pglite';

test('toolchain loads', async () => {
  expect(typeof Engine).toBe('function');
  const m = new BpmnModdle();
  expect(m).toBeTruthy();
  expect(typeof Test.createTestingModule).toBe('function');
  const db = new PGlite();
  const r = await db.query('select 1 as x');
  expect(r.rows[0]).toEqual({ x: 1 });
});

/** Does a version satisfy an `engines` range as npm writes them (>=, ^, x, ||, space-joined comparators)? */
function satisfies(version: string, range: string): boolean {
  const v = version.replace(/^v/, '').split('.').map(Number);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const parts = (t: string) => t.replace(/\.[x*]/g, '').split('.').map(Number);
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|<=|>|<|\^|~)?(.+)$/.exec(c)!;
        const want = parts(m[2]);
        const n = m[2].split('.').filter((x) => /^\d+$/.test(x)).length;
        switch (m[1]) {
          case '>=':
            return cmp(v, want) >= 0;
          case '>':
            return cmp(v, want) > 0;
          case '<=':
            return cmp(v, want) <= 0;
          case '<':
            return cmp(v, want) < 0;
          case '^':
            return v[0] === want[0] && cmp(v, want) >= 0;
          case '~':
            return v[0] === want[0] && v[1] === (want[1] ?? v[1]) && cmp(v, want) >= 0;
          default:
            return want.slice(0, n).every((x, i) => v[i] === x);
        }
      }),
  );
}

test('every locked package declares that it runs on this Node (no EBADENGINE at npm install)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lock = require('../package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }> };
  expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
  expect(satisfies('20.19.0', '>=22')).toBe(false);
  expect(satisfies('20.19.0', '>=16 || 14 >=14.17')).toBe(true);
  const refusing = Object.entries(lock.packages)
    .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node)
    .filter(([, p]) => !satisfies(process.version, (p.engines as { node: string }).node))
    .map(([name, p]) => `${name} ${(p.engines as { node: string }).node}`);
  expect(refusing).toEqual([]);
});

test('npm start gives node the heap limit the README tells operators to use', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const root = path.join(__dirname, '..');
  const start: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
  const flag = /--max-old-space-size=(\d+)/.exec(start);
  expect(flag).not.toBeNull();
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  expect(readme).toContain(`\`node --max-old-space-size=${flag![1]} dist/src/main.js\``);
  expect(start).toBe(`node --max-old-space-size=${flag![1]} dist/src/main.js`);
});

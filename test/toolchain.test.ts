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

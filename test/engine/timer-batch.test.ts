/**
 * Timers fired in batches (src/engine/timer-batch.ts): a reminder or an escalation that only notifies
 * fires without its engine, and must be indistinguishable from a full step in what it sends and in what
 * the case becomes; the engine catches up at the next step without sending again; each firing happens
 * once with two schedulers on one database; a timer that needs the engine and is due first goes first;
 * the auditors' replay re-executes batch firings.
 *
 * Two applications on the real 柳东 diagram, one with the batch path (the default) and one with
 * TIMER_FAST_PATH=false, driven through the same steps.
 */
import { silentLogger } from '../../src/log';
import { TimerJob } from '../../src/engine/timers';
import { laidOut } from '../support/bpmn-layout';
import { diagram } from '../support/diagrams';
import { TestApp, useApp } from '../support/harness';
import { Case, Driver, PROCESSES_DIR, TEMPLATES_DIR, caseVariables } from '../processes/support';

let fast: TestApp;
let full: TestApp;
useApp((a) => (fast = a), { processesDir: PROCESSES_DIR, templatesDir: TEMPLATES_DIR });
useApp((a) => (full = a), { processesDir: PROCESSES_DIR, templatesDir: TEMPLATES_DIR, timerFastPath: false });

const UNIT = 'ld-xzsp';
const vars = (caseId: string) => caseVariables({ caseId, receivedAt: '2026-04-16T01:20:00.000Z', unitId: UNIT, unitName: '柳东新区行政审批局', serviceName: '食品经营许可', staffName: '韦某某' });
const verified = { genuine: true, reason: '窗口未一次性告知所需材料', realDemand: '希望一次性告知材料清单', coreProblem: '一次性告知制度未落实', evidence: '调阅大厅视频', unitLeaderContacted: true };
const rectified = { meetingHeld: true, responsiblePerson: '韦某某', investigation: '窗口人员未按清单告知', measures: '重新培训', rectified: true, unitLeaderOpinion: '同意' };

/** A 柳东 case waiting in 整改 (reminder due Tue 4/21 17:30, escalation Wed 4/22 17:30). */
async function atRectification(d: Driver, key: string): Promise<Case> {
  await d.clock('2026-04-16T09:30:00+08:00');
  const c = await d.start('liudong', 'liudongSystemPushed', key, vars(key));
  await d.clock('2026-04-16T10:00:00+08:00');
  await c.complete('callbackVerify', verified);
  return c;
}

/** What a case sent, in a fixed order (rows queued by one step share their instant). */
const messages = async (c: Case) =>
  (await c.outbox()).map((o) => ({ topic: o.topic, recipients: o.recipients, body: o.body, template: o.payload.template })).sort((x, y) => (x.template < y.template ? -1 : x.template > y.template ? 1 : 0));
const knexOf = (app: TestApp) => app.core.db.knex;
const timerRows = async (app: TestApp, instanceId: string) =>
  (await knexOf(app)('timers').where({ instance_id: instanceId })).map((t: { element_id: string; due_at: Date; fired_at: Date | null }) => `${t.element_id} ${new Date(t.due_at).toISOString()} ${t.fired_at ? 'fired' : 'pending'}`).sort();

describe('timers that only notify fire in batches', () => {
  test('the reminder and the escalation: the same messages as full steps, the engine catches up without sending again, replay consistent', async () => {
    const [a, b] = [new Driver(fast), new Driver(full)];
    const ca = await atRectification(a, 'TB-1');
    const cb = await atRectification(b, 'TB-1');
    const before = (await ca.instance()) as unknown as { revision: number };

    // Both due: Thursday morning, after the escalation's 17:30 on Wednesday.
    expect(await a.clock('2026-04-23T09:00:00+08:00')).toBe(2); // two batch firings
    expect(await b.clock('2026-04-23T09:00:00+08:00')).toBe(1); // one full step fires both
    expect(await ca.fired()).toEqual(['unitRectifyReminder', 'unitRectifyOverdue']);
    expect(await cb.fired()).toEqual(['unitRectifyReminder', 'unitRectifyOverdue']);
    const batchRows = (await ca.history()).filter((e) => e.type === 'timer.fired');
    expect(batchRows.map((e) => e.data.batch)).toEqual([true, true]);
    expect((await cb.history()).filter((e) => e.type === 'timer.fired').map((e) => e.data.batch ?? false)).toEqual([false, false]);
    // Two steps of their own, and nothing else of the case changed: the engine state is the one stored before.
    const after = (await ca.instance()) as unknown as { revision: number; variables: unknown };
    expect(after.revision).toBe(before.revision + 2);
    expect(after.variables).toEqual((await cb.instance()).variables);
    expect(await messages(ca)).toEqual(await messages(cb));
    expect((await messages(ca)).map((m) => m.template)).toEqual(['escalate-rectify', 'handover', 'remind-rectify']);
    // The rows wait, marked, for the engine to catch up; the claim passes them by.
    const marked = await knexOf(fast)('timers').where({ instance_id: ca.id });
    expect(marked.map((t: { fired_at: Date | null }) => Boolean(t.fired_at))).toEqual([true, true]);
    expect(await a.clock('2026-04-23T09:30:00+08:00')).toBe(0);

    // The next step: the engine fires both itself (overdue), sends nothing again, and deletes the rows.
    await a.clock('2026-04-23T10:00:00+08:00');
    await b.clock('2026-04-23T10:00:00+08:00');
    await ca.complete('unitRectify', rectified);
    await cb.complete('unitRectify', rectified);
    expect(await timerRows(fast, ca.id)).toEqual(await timerRows(full, cb.id));
    expect(await ca.open()).toEqual(await cb.open());
    expect(await ca.variables()).toEqual(await cb.variables());
    expect(await messages(ca)).toEqual(await messages(cb));
    expect(await ca.fired()).toEqual(['unitRectifyReminder', 'unitRectifyOverdue']);
    const called = (await ca.history()).filter((e) => e.type === 'service.called' && e.elementId === 'unitRectifyRemind');
    expect(called).toHaveLength(1);

    // The auditors' record: the chain holds, the replay re-executes the batch firings and the catch-up.
    const check = await a.api.get(`/api/v1/process-instances/${ca.id}/replay/check`);
    expect(check.body).toMatchObject({ status: 'consistent' });
    expect(check.body.steps).toBe(after.revision + 1);
    expect((await a.api.get(`/api/v1/process-instances/${ca.id}/verify`)).body).toMatchObject({ status: 'ok' });
    const atBatch = await a.api.get(`/api/v1/process-instances/${ca.id}/replay?revision=${after.revision}`);
    expect(atBatch.body.timers).toEqual([]);
    expect(atBatch.body.openTasks.map((t: { elementId: string }) => t.elementId)).toEqual(['unitRectify']);
  });

  test('an engine rebuilt from the database after a batch firing catches up as a kept one does', async () => {
    const a = new Driver(fast);
    const c = await atRectification(a, 'TB-2');
    expect(await a.clock('2026-04-22T09:00:00+08:00')).toBe(1);
    fast.core.runner.stopAll();
    await a.clock('2026-04-22T10:00:00+08:00');
    await c.complete('unitRectify', rectified);
    expect((await messages(c)).map((m) => m.template)).toEqual(['handover', 'remind-rectify']);
    expect(await knexOf(fast)('timers').where({ instance_id: c.id }).andWhere('element_id', 'like', 'unitRectify%')).toEqual([]);
    expect((await a.api.get(`/api/v1/process-instances/${c.id}/replay/check`)).body).toMatchObject({ status: 'consistent' });
  });

  test('two schedulers on one database: every due reminder fires once, in batches that interleave', async () => {
    const a = new Driver(fast);
    const cases: Case[] = [];
    for (let i = 0; i < 12; i++) cases.push(await atRectification(a, `TB-MANY-${i}`));
    fast.core.clock.set(new Date('2026-04-22T09:00:00+08:00'));
    const firing = { fire: (id: string) => fast.core.runner.fire(id), fireBatch: (c: Parameters<typeof fast.core.runner.fireBatch>[0]) => fast.core.runner.fireBatch(c) };
    const jobs = [5, 3].map((batchSize, i) => new TimerJob(knexOf(fast), fast.core.clock, firing, { nodeId: `tb-${i}`, batchSize, leaseMs: 30_000 }, silentLogger));
    const rounds = await Promise.all(jobs.map(async (job) => {
      let n = 0;
      for (let k = 0; k < 10; k++) n += await job.fireDue();
      return n;
    }));
    expect(rounds[0] + rounds[1]).toBe(12);
    const ids = cases.map((c) => c.id);
    const fired = await knexOf(fast)('journal').whereIn('instance_id', ids).andWhere({ type: 'timer.fired' }).select('instance_id');
    expect(fired).toHaveLength(12);
    expect(new Set(fired.map((r: { instance_id: string }) => r.instance_id)).size).toBe(12);
    const reminders = await knexOf(fast)('outbox').whereIn('instance_id', ids).andWhere({ topic: 'reminder' });
    expect(reminders).toHaveLength(12);
  });

  test('a due timer that needs the engine goes first: behind an earlier deadline that closes the task, the reminder is left to the engine', async () => {
    const xml = diagram(
      `<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
       <bpmn:userTask id="work" name="办理" camunda:candidateGroups="处理中心" />
       <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="done" />
       <bpmn:endEvent id="done" />
       <bpmn:boundaryEvent id="closeAt" attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeDuration>1wd</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
       <bpmn:sequenceFlow id="f3" sourceRef="closeAt" targetRef="closed" />
       <bpmn:endEvent id="closed" />
       <bpmn:boundaryEvent id="remindAt" cancelActivity="false" attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeDuration>2wd</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
       <bpmn:sequenceFlow id="f4" sourceRef="remindAt" targetRef="remind" />
       <bpmn:serviceTask id="remind" implementation="\${environment.services.notify}"><bpmn:extensionElements><camunda:properties><camunda:property name="template" value="remind-rectify" /><camunda:property name="to" value="group:处理中心" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
       <bpmn:sequenceFlow id="f5" sourceRef="remind" targetRef="reminded" />
       <bpmn:endEvent id="reminded" />`,
      { id: 'batchOrder', name: '先后' },
    );
    const out: Array<{ fired: string[]; templates: string[]; status: string; batch: number }> = [];
    for (const app of [fast, full]) {
      const d = new Driver(app);
      const dep = await app.api.post('/api/v1/counties/liudong/deployments', await laidOut(xml), { 'content-type': 'application/xml' });
      expect(dep.status).toBe(201);
      await d.clock('2026-06-01T09:00:00+08:00');
      const c = await d.start('liudong', 'batchOrder', 'TB-ORDER', vars('TB-ORDER'));
      await d.clock('2026-06-05T09:00:00+08:00');
      const batch = (await c.history()).filter((e) => e.type === 'timer.fired' && e.data.batch).length;
      out.push({ fired: (await c.fired()).sort(), templates: (await messages(c)).map((m) => m.template), status: (await c.instance()).status, batch });
    }
    expect(out[0]).toEqual(out[1]);
    expect(out[0].status).toBe('completed');
    expect(out[0].batch).toBe(0);
    // The earlier deadline fired first and ended the task: its reminder never came due in the engine.
    expect(out[0].templates).not.toContain('remind-rectify');
  });
});

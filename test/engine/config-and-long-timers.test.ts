import { laidOut } from '../support/bpmn-layout';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { TestApp, useApp } from '../support/harness';

test('CLOCK_CONTROL is refused in production, and bad settings name the variable', () => {
  expect(() => loadConfig({ NODE_ENV: 'production', CLOCK_CONTROL: 'true' })).toThrow(ConfigError);
  expect(() => loadConfig({ NODE_ENV: 'production', CLOCK_CONTROL: 'true' })).toThrow(/CLOCK_CONTROL/);
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  expect(() => loadConfig({ NOTIFY_TRANSPORT: 'webhook' })).toThrow(/WEBHOOK_URL/);
  expect(loadConfig({ NODE_ENV: 'production' }).clockControl).toBe(false);
});

describe('a timer months away', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('fires at its instant, beyond what setTimeout can hold (24.8 days)', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.org">
  <bpmn:process id="halfYear" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>100d</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`;
    expect((await app.api.post('/api/v1/counties/testshire/deployments', await laidOut(xml), { 'content-type': 'application/xml' })).status).toBe(201);
    await app.api.put('/api/v1/admin/clock', { now: '2026-06-01T10:00:00+08:00' });
    const inst = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'halfYear' })).body;
    const [timer] = await app.core.db.knex('timers').where({ instance_id: inst.id });
    // 100 natural days from Mon 1 June: day 100 is Wed 9 September 2026, a working day → 24:00
    expect(new Date(timer.due_at).toISOString()).toBe('2026-09-09T16:00:00.000Z');
    expect((await app.api.put('/api/v1/admin/clock', { now: '2026-09-09T23:59:59+08:00' })).body.timersFired).toBe(0);
    expect((await app.api.put('/api/v1/admin/clock', { now: '2026-09-10T00:00:00+08:00' })).body.timersFired).toBe(1);
    expect((await app.api.get(`/api/v1/process-instances/${inst.id}`)).body.status).toBe('completed');
  });
});

/**
 * How much heap a live 柳东 `systemPushed` engine holds, per byte of its stored state: the weight the
 * engine cache bounds its memory by (HEAP_BYTES_PER_STATE_BYTE in src/engine/runner.ts).
 *
 *   npm run build && node --expose-gc dist/bench/engine-memory.js      (BENCH_ENGINES=100)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deserialize } from 'moddle-context-serializer';
import { CountyDeadlines } from '../src/calendar/county-deadlines';
import { loadBundledCalendarData } from '../src/calendar/working-calendar';
import { drawSampleService } from '../src/cases/callback-sample';
import { deductionTargetsService } from '../src/cases/performance';
import { setStatusService } from '../src/cases/status.service';
import type { LoadedDefinition } from '../src/engine/definition-store';
import { compileDefinition } from '../src/engine/definitions';
import { DEFAULT_BUDGET, EngineSlot, drive } from '../src/engine/drive';
import { hostTypeResolver } from '../src/engine/elements';
import { HEAP_BYTES_PER_STATE_BYTE } from '../src/engine/runner';
import { ServiceRegistry } from '../src/engine/services';
import { notifyService } from '../src/notifications/notify.service';
import { TemplateStore } from '../src/notifications/templates';
import { TenantRegistry } from '../src/tenants';
import { ROOT } from './common';

const N = Number(process.env.BENCH_ENGINES ?? 100);

async function main() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const tenants = new TenantRegistry(path.join(ROOT, 'processes'));
  tenants.loadAll();
  const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
  const services = new ServiceRegistry([notifyService(new TemplateStore(path.join(ROOT, 'templates'))), setStatusService(), drawSampleService(tenants), deductionTargetsService(tenants)]);
  const xml = fs.readFileSync(path.join(ROOT, 'processes', 'liudong', 'systemPushed.bpmn'), 'utf8');
  const c = await compileDefinition(xml, { countyId: 'liudong', services, deadlines, hasForm: () => true });
  const row = { id: 'def-ld', county_id: 'liudong', process_key: c.processKey, version: 1, name: c.name, file_name: null, checksum: c.checksum, elements: c.elements, deployed_by: 'bench', deployed_at: new Date() };
  const definition: LoadedDefinition = { row, context: deserialize(JSON.parse(c.serializedContext), hostTypeResolver) };
  // A generous wall-time budget: on a loaded machine an in-memory start can take seconds.
  const deps = { services, deadlines, budget: { ...DEFAULT_BUDGET, maxMs: 120_000 } };
  const now = new Date();
  const vars = { caseId: 'x', receivedAt: now.toISOString(), kind: 'system-pushed', unitId: 'ld-scjg', unitName: '市场监督管理局', serviceName: '企业设立登记', serviceCode: '450200-QY-001', staffName: '王小明', level: 2, levelName: '不满意', options: ['attitude-3'], comment: null, channel: '4' };
  const kept: EngineSlot[] = [];
  let stateBytes = 0;
  // Warm up (compiled code, shared caches), then measure the heap the kept engines add.
  for (let i = 0; i < 5; i++) await drive({ instanceId: `w${i}`, countyId: 'liudong', businessKey: null, revision: 0, state: null, definition, actor: 'bench', now, openTasks: [], timerRows: [] }, { kind: 'start', variables: vars }, deps);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) {
    const { result, slot } = await drive({ instanceId: `m${i}`, countyId: 'liudong', businessKey: null, revision: 0, state: null, definition, actor: 'bench', now, openTasks: [], timerRows: [] }, { kind: 'start', variables: vars }, deps);
    stateBytes += JSON.stringify(result.state).length;
    kept.push(slot);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const perEngine = (after - before) / N;
  console.log(`柳东 systemPushed at its first task: ${N} live engines add ${(perEngine / 1048576).toFixed(2)} MB of heap each; stored state ${(stateBytes / N / 1024).toFixed(1)} KB each`);
  console.log(`heap per byte of state: ${(perEngine / (stateBytes / N)).toFixed(1)} (the cache weighs with HEAP_BYTES_PER_STATE_BYTE = ${HEAP_BYTES_PER_STATE_BYTE})`);
  if (kept.length < 0) console.log(kept.length);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

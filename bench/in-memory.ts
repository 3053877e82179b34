/**
 * The baseline of the benchmarks on real diagrams: a county diagram driven in memory by the project's
 * drive() (bpmn-engine with the host's services, deadlines and listeners, no SQL: what replay runs), with
 * the services and calendars the server has.
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
import { DEFAULT_BUDGET, DriveDeps } from '../src/engine/drive';
import { hostTypeResolver } from '../src/engine/elements';
import { ServiceRegistry } from '../src/engine/services';
import { notifyService } from '../src/notifications/notify.service';
import { TemplateStore } from '../src/notifications/templates';
import { TenantRegistry } from '../src/tenants';
import { ROOT } from './common';

/** A county's diagram (processes/<county>/<file>) compiled as a deploy would, and the deps drive() needs. */
export async function inMemoryDiagram(county: string, file: string): Promise<{ definition: LoadedDefinition; deps: DriveDeps }> {
  const tenants = new TenantRegistry(path.join(ROOT, 'processes'));
  tenants.loadAll();
  const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
  const services = new ServiceRegistry([notifyService(new TemplateStore(path.join(ROOT, 'templates'))), setStatusService(), drawSampleService(tenants), deductionTargetsService(tenants)]);
  const xml = fs.readFileSync(path.join(ROOT, 'processes', county, file), 'utf8');
  const c = await compileDefinition(xml, { countyId: county, services, deadlines, hasForm: (k) => fs.existsSync(path.join(ROOT, 'processes', county, 'forms', `${k}.json`)) });
  const row = { id: `mem-${county}-${c.processKey}`, county_id: county, process_key: c.processKey, version: 1, name: c.name, file_name: null, checksum: c.checksum, elements: c.elements, deployed_by: 'bench', deployed_at: new Date() };
  const definition: LoadedDefinition = { row, context: deserialize(JSON.parse(c.serializedContext), hostTypeResolver) };
  // A generous wall-time budget: on a loaded machine an in-memory start can take seconds.
  return { definition, deps: { services, deadlines, budget: { ...DEFAULT_BUDGET, maxMs: 120_000 } } };
}

/** Runs `fn` over the items one after another: the rate, and this process's CPU per item in ms. */
export async function eachTimed<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<{ perSec: number; cpuMs: number; secs: number }> {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const c0 = cpu();
  const t0 = performance.now();
  for (const item of items) await fn(item);
  const secs = (performance.now() - t0) / 1000;
  return { perSec: items.length / secs, cpuMs: (cpu() - c0) / Math.max(1, items.length), secs };
}

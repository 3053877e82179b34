/**
 * Jurisdictions (tenants): one folder processes/<county>/ each, with tenant.yaml, its diagrams (*.bpmn)
 * and the JSON-schema forms of its user tasks (forms/<formKey>.json). Notification texts are in
 * templates/<county>/ (and templates/common/ for texts every county shares). The counties table mirrors
 * tenant.yaml; syncCounties() is its only writer, at boot.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Knex } from 'knex';
import YAML from 'yaml';

export interface OfficeHours {
  open: string;
  close: string;
}

export interface Tenant {
  id: string;
  name: string;
  region: string;
  /** Calendar scopes, national first: e.g. [national, guangxi]. */
  calendar: string[];
  officeHours?: OfficeHours;
  units: Array<{ id: string; name: string }>;
  /** Anything else of tenant.yaml (deadline parameters, re-rating policy …). */
  settings: Record<string, unknown>;
  folder: string;
  /** formKey -> JSON schema */
  forms: Record<string, FormSchema>;
  /** file name -> XML */
  diagrams: Array<{ file: string; xml: string }>;
}

export interface FormSchema {
  title?: string;
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  [k: string]: unknown;
}

export class TenantConfigError extends Error {}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function loadTenant(folder: string): Tenant {
  const id = path.basename(folder);
  const file = path.join(folder, 'tenant.yaml');
  if (!fs.existsSync(file)) throw new TenantConfigError(`${file} is missing`);
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) ?? {};
  const where = `processes/${id}/tenant.yaml`;
  if (doc.id && doc.id !== id) throw new TenantConfigError(`${where}: id "${doc.id}" differs from the folder name "${id}"`);
  if (!doc.name) throw new TenantConfigError(`${where}: name is required`);
  if (!doc.region) throw new TenantConfigError(`${where}: region is required`);
  const calendar: string[] = doc.calendar ?? ['national'];
  if (!Array.isArray(calendar) || !calendar.includes('national')) throw new TenantConfigError(`${where}: calendar must be a list that includes national`);
  let officeHours: OfficeHours | undefined;
  if (doc.officeHours) {
    const { open, close } = doc.officeHours;
    if (!HHMM.test(open ?? '') || !HHMM.test(close ?? '')) throw new TenantConfigError(`${where}: officeHours needs open and close as HH:MM`);
    officeHours = { open, close };
  }
  const units = (doc.units ?? []).map((u: { id?: string; name?: string }, i: number) => {
    if (!u?.id || !u?.name) throw new TenantConfigError(`${where}: units[${i}] needs id and name`);
    return { id: String(u.id), name: String(u.name) };
  });
  const forms: Record<string, FormSchema> = {};
  const formsDir = path.join(folder, 'forms');
  if (fs.existsSync(formsDir)) {
    for (const f of fs.readdirSync(formsDir).filter((n) => n.endsWith('.json')).sort()) {
      try {
        forms[f.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(formsDir, f), 'utf8'));
      } catch (err) {
        throw new TenantConfigError(`processes/${id}/forms/${f}: ${(err as Error).message}`);
      }
    }
  }
  const diagrams = fs
    .readdirSync(folder)
    .filter((n) => n.endsWith('.bpmn'))
    .sort()
    .map((file) => ({ file, xml: fs.readFileSync(path.join(folder, file), 'utf8') }));
  const { name, region, calendar: _c, officeHours: _o, units: _u, id: _i, ...settings } = doc;
  return { id, name, region, calendar, officeHours, units, settings, folder, forms, diagrams };
}

export class TenantRegistry {
  private readonly tenants = new Map<string, Tenant>();

  constructor(readonly processesDir: string) {}

  loadAll(): Tenant[] {
    this.tenants.clear();
    if (!fs.existsSync(this.processesDir)) return [];
    for (const entry of fs.readdirSync(this.processesDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
      const t = loadTenant(path.join(this.processesDir, entry.name));
      this.tenants.set(t.id, t);
    }
    return this.list();
  }

  get(id: string): Tenant | undefined {
    return this.tenants.get(id);
  }

  list(): Tenant[] {
    return [...this.tenants.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** Writes every loaded county into the counties table (at boot). */
export async function syncCounties(knex: Knex, tenants: TenantRegistry): Promise<void> {
  for (const t of tenants.list()) {
    await knex('counties')
      .insert({ id: t.id, name: t.name, region: t.region, settings: JSON.stringify({ calendar: t.calendar, officeHours: t.officeHours ?? null, units: t.units, ...t.settings }), updated_at: new Date() })
      .onConflict('id')
      .merge();
  }
}

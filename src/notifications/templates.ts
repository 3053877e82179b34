/**
 * Notification texts: handlebars files templates/<county>/<name>.hbs, falling back to
 * templates/common/<name>.hbs. Compiled once; strict, so a variable the text needs and the case lacks
 * is an error at render time rather than an empty gap in an SMS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';

export class TemplateStore {
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly dir: string) {
    this.hbs.registerHelper('date', (value: unknown) => formatShanghai(value));
  }

  /** Path of the template a county would use, or undefined. */
  resolve(countyId: string, name: string): string | undefined {
    if (!/^[\w-]+$/.test(name)) return undefined;
    for (const scope of [countyId, 'common']) {
      const file = path.join(this.dir, scope, `${name}.hbs`);
      if (fs.existsSync(file)) return file;
    }
    return undefined;
  }

  render(countyId: string, name: string, data: Record<string, unknown>): string {
    const file = this.resolve(countyId, name);
    if (!file) throw new Error(`template "${name}" not found in templates/${countyId}/ or templates/common/`);
    let fn = this.compiled.get(file);
    if (!fn) {
      fn = this.hbs.compile(fs.readFileSync(file, 'utf8'), { strict: true, noEscape: true });
      this.compiled.set(file, fn);
    }
    return fn(data).trim();
  }
}

/** 2026-10-09 17:30 (Asia/Shanghai), whatever the server's zone. */
export function formatShanghai(value: unknown): string {
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return String(value ?? '');
  const s = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

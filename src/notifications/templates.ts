/**
 * Notification texts: handlebars files templates/<county>/<name>.hbs, falling back to
 * templates/common/<name>.hbs. Compiled once; strict, so a variable the text needs and the case lacks
 * is an error at render time rather than an empty gap in an SMS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { formatShanghaiMinute } from '../calendar/civil-date';

export class TemplateStore {
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly dir: string) {
    this.hbs.registerHelper('date', (value: unknown) => (value === null || value === undefined ? '' : formatShanghaiMinute(value as Date | string)));
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

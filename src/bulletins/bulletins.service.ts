/**
 * Bulletins (通报): numbered editions (期号) of a county's figures over a period, generated on time by
 * the scheduler (a job on the injected clock), stored as draft, approved and published with who did
 * each, rendered as HTML and PDF with SVG charts. The only writer of bulletins and bulletin_cases.
 *
 * tenant.yaml `bulletins:` lists the county's periods, each {kind: monthly | quarterly | half-year |
 * yearly, channels?: [...], title?}. An edition is generated once its period has ended (so always before
 * its due date, the 10th of the month after); a case received in the period and not revoked is listed
 * in it, and the case links to the edition.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { formatShanghaiMinute, iso, shanghaiParts } from '../calendar/civil-date';
import { CHANNELS } from '../cases/catalogue';
import type { Clock } from '../clock';
import { renderPdf } from '../documents/pdf';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid, uuidv7 } from '../ids';
import type { Logger } from '../log';
import { page } from '../paging';
import type { Tenant, TenantRegistry } from '../tenants';
import { sharedCounts } from '../problems/shared-problems.service';
import { Figures, computeFigures } from './figures';
import { PERIOD_KINDS, Period, PeriodKind, lastEnded, parsePeriod } from './periods';

type Row = Record<string, any>;

export interface BulletinConfig {
  kind: PeriodKind;
  channels: string[] | null;
  title: string;
}

const KIND_NAMES: Record<PeriodKind, string> = { monthly: '月度', quarterly: '季度', 'half-year': '半年', yearly: '年度' };

/** The bulletin periods of a county (tenant.yaml `bulletins:`), checked. */
export function bulletinConfigs(tenant: Tenant): BulletinConfig[] {
  const list = (tenant.settings.bulletins ?? []) as Array<{ kind?: string; channels?: unknown[]; title?: string }>;
  if (!Array.isArray(list)) throw new Error(`processes/${tenant.id}/tenant.yaml: bulletins must be a list`);
  return list.map((b, i) => {
    if (!PERIOD_KINDS.includes(b?.kind as PeriodKind)) throw new Error(`processes/${tenant.id}/tenant.yaml: bulletins[${i}].kind must be one of ${PERIOD_KINDS.join(', ')}`);
    const channels = Array.isArray(b.channels) ? b.channels.map(String) : null;
    for (const c of channels ?? []) if (!CHANNELS[c]) throw new Error(`processes/${tenant.id}/tenant.yaml: bulletins[${i}].channels: "${c}" is not a channel (${Object.keys(CHANNELS).join(', ')})`);
    return { kind: b.kind as PeriodKind, channels, title: b.title ?? `${tenant.name}政务服务“好差评”${KIND_NAMES[b.kind as PeriodKind]}通报` };
  });
}

export class BulletinService {
  readonly job = { name: 'bulletins', run: () => this.tick() };
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly templatesDir: string,
    private readonly logger: Logger,
  ) {
    this.hbs.registerHelper('pct', (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : '—'));
    this.hbs.registerHelper('dt', (v: unknown) => (v ? formatShanghaiMinute(v as string) : ''));
    this.hbs.registerHelper('channelName', (c: unknown) => CHANNELS[String(c)] ?? String(c));
    this.hbs.registerHelper('cdate', (v: unknown) => {
      if (!v) return '';
      const p = shanghaiParts(new Date(v as string));
      return `${p.year}年${p.month}月${p.day}日`;
    });
  }

  /** The scheduler's job: every county's last ended period of each kind gets its edition (once). */
  async tick(): Promise<number> {
    // The rating deltas the triggers appended since the last tick, into the daily rollup.
    await this.knex.raw('select rating_daily_compact()');
    let made = 0;
    const now = this.clock.now();
    for (const tenant of this.tenants.list()) {
      for (const conf of bulletinConfigs(tenant)) {
        const period = lastEnded(conf.kind, now);
        const exists = await this.knex('bulletins').where({ county_id: tenant.id, period_kind: conf.kind, period: period.label }).first('id');
        if (exists) continue;
        try {
          await this.generateEdition(tenant, conf, period, 'system:scheduler');
          made++;
        } catch (err) {
          this.logger.error(`bulletin ${tenant.id} ${period.label}: ${(err as Error).message}`);
        }
      }
    }
    return made;
  }

  /** By hand (admin): the edition of a period that has ended, when it is not there yet. */
  async generate(user: User, countyId: string, body: { kind?: unknown; period?: unknown }) {
    const tenant = countyAllowing(this.tenants, user, countyId, 'bulletin.generate');
    const configs = bulletinConfigs(tenant);
    const conf = configs.find((c) => c.kind === body.kind);
    if (!conf) throw new ValidationError(`kind must be one of the bulletins of ${tenant.name}: ${configs.map((c) => c.kind).join(', ') || 'none configured'}`, { field: 'kind', reason: `must be one of ${configs.map((c) => c.kind).join(', ')}` });
    const period = typeof body.period === 'string' ? parsePeriod(conf.kind, body.period) : undefined;
    if (!period) throw new ValidationError(`period must be a ${conf.kind} period such as ${lastEnded(conf.kind, this.clock.now()).label}`, { field: 'period', reason: `must look like ${lastEnded(conf.kind, this.clock.now()).label}` });
    if (period.to.getTime() > this.clock.now().getTime()) throw new ValidationError(`period ${period.label} has not ended yet (it ends ${iso(period.to)})`, { field: 'period', reason: 'has not ended' });
    const exists = await this.knex('bulletins').where({ county_id: countyId, period_kind: conf.kind, period: period.label }).first('id');
    if (exists) throw new ConflictError(`The ${conf.kind} bulletin of ${period.label} exists already: ${exists.id}`, { field: 'period', reason: 'has its edition', bulletinId: exists.id });
    const id = await this.generateEdition(tenant, conf, period, user.id);
    return this.get(user, countyId, id);
  }

  private async generateEdition(tenant: Tenant, conf: BulletinConfig, period: Period, actor: string): Promise<string> {
    const now = this.clock.now();
    const unitNames = Object.fromEntries(tenant.units.map((u) => [u.id, u.name]));
    const figures = await computeFigures(this.knex, tenant.id, period.from, period.to, now, conf.channels, unitNames);
    // 双归零 (新华 第十条): the shared problems opened before the period ended and their cases, closed or not.
    const shared = await sharedCounts(this.knex, tenant.id, period.to);
    const id = uuidv7();
    const year = shanghaiParts(now).year;
    await this.knex.transaction(async (trx) => {
      const [{ max }] = await trx('bulletins').where({ county_id: tenant.id, edition_year: year }).max<{ max: number | null }[]>('edition_no as max');
      const caseIds: Row[] = await trx('cases').where({ county_id: tenant.id }).where('received_at', '>=', period.from).where('received_at', '<', period.to).whereNot('status', 'revoked').select('id');
      await trx('bulletins').insert({
        id,
        county_id: tenant.id,
        period_kind: conf.kind,
        period: period.label,
        edition_no: Number(max ?? 0) + 1,
        edition_year: year,
        period_from: period.from,
        period_to: period.to,
        due_at: period.due,
        status: 'draft',
        figures: JSON.stringify({ ...figures, shared, title: conf.title, generatedBy: actor, listedCases: caseIds.length }),
        generated_at: now,
      });
      for (let i = 0; i < caseIds.length; i += 500) await trx('bulletin_cases').insert(caseIds.slice(i, i + 500).map((c) => ({ bulletin_id: id, case_id: c.id })));
    });
    return id;
  }

  async list(user: User, countyId: string, f: { kind?: string; status?: string; limit?: number; offset?: number }) {
    countyAllowing(this.tenants, user, countyId, 'bulletin.read');
    if (f.kind && !PERIOD_KINDS.includes(f.kind as PeriodKind)) throw new ValidationError(`kind must be one of ${PERIOD_KINDS.join(', ')}`, { field: 'kind', reason: `must be one of ${PERIOD_KINDS.join(', ')}` });
    if (f.status && !['draft', 'approved', 'published'].includes(f.status)) throw new ValidationError('status must be draft, approved or published', { field: 'status', reason: 'must be draft, approved or published' });
    const { limit, offset } = page(f.limit, f.offset);
    const q = this.knex('bulletins').where({ county_id: countyId });
    if (f.kind) q.where({ period_kind: f.kind });
    if (f.status) q.where({ status: f.status });
    const [{ count }] = await q.clone().count<{ count: string }[]>('id as count');
    const rows = await q.orderBy([{ column: 'period_from', order: 'desc' }, { column: 'edition_no', order: 'desc' }]).limit(limit).offset(offset);
    return { items: rows.map((r: Row) => this.summary(r)), total: Number(count), limit, offset };
  }

  async get(user: User, countyId: string, id: string) {
    countyAllowing(this.tenants, user, countyId, 'bulletin.read');
    const row = await this.row(countyId, id);
    const cases = await this.knex('bulletin_cases as b').join('cases as c', 'c.id', 'b.case_id').where('b.bulletin_id', id).orderBy('c.received_at').select('c.id', 'c.case_no', 'c.unit_id', 'c.unit_name', 'c.status', 'c.received_at');
    return {
      ...this.summary(row),
      figures: row.figures,
      cases: cases.map((c: Row) => ({ id: c.id, caseNo: c.case_no, unit: c.unit_id ? { id: c.unit_id, name: c.unit_name } : null, status: c.status, receivedAt: iso(c.received_at) })),
    };
  }

  async approve(user: User, countyId: string, id: string) {
    countyAllowing(this.tenants, user, countyId, 'bulletin.approve');
    return this.move(user, countyId, id, 'draft', 'approved');
  }

  async publish(user: User, countyId: string, id: string) {
    countyAllowing(this.tenants, user, countyId, 'bulletin.publish');
    return this.move(user, countyId, id, 'approved', 'published');
  }

  private async move(user: User, countyId: string, id: string, from: string, to: 'approved' | 'published') {
    const row = await this.row(countyId, id);
    if (row.status !== from) throw new ConflictError(`Bulletin ${row.edition_year}年第${row.edition_no}期 is ${row.status}: only a ${from} edition can be ${to}`, { field: 'status', reason: `is ${row.status}, must be ${from}`, status: row.status });
    const at = this.clock.now();
    const n = await this.knex('bulletins').where({ id, status: from }).update(to === 'approved' ? { status: to, approved_by: user.id, approved_at: at } : { status: to, published_by: user.id, published_at: at });
    if (!n) throw new ConflictError(`Bulletin ${id} changed meanwhile`, { field: 'status', reason: 'changed meanwhile' });
    return this.get(user, countyId, id);
  }

  /** The edition as a page (html) or PDF: the county's template templates/<county>/doc-bulletin.hbs, else templates/common/. */
  async render(user: User, countyId: string, id: string, format: 'html' | 'pdf'): Promise<{ html: string; pdf?: Buffer; title: string }> {
    const tenant = countyAllowing(this.tenants, user, countyId, 'bulletin.read');
    const row = await this.row(countyId, id);
    const figures = row.figures as Figures & { title: string };
    const data = {
      county: { id: tenant.id, name: tenant.name },
      title: figures.title,
      edition: { year: row.edition_year, no: row.edition_no, status: row.status, statusName: { draft: '草稿', approved: '已审核', published: '已发布' }[row.status as string], approvedBy: row.approved_by, approvedAt: iso(row.approved_at), publishedAt: iso(row.published_at) },
      period: { label: row.period, kind: KIND_NAMES[row.period_kind as PeriodKind], from: iso(row.period_from), toInclusive: iso(new Date(new Date(row.period_to).getTime() - 1)), due: iso(row.due_at) },
      figures,
      lowest: figures.units.filter((u) => u.lowest),
      chart: barChart(figures.units.filter((u) => u.rank !== null).map((u) => ({ label: u.unitName, good: u.goodRate ?? 0, bad: u.badRate ?? 0 }))),
      levelChart: levelChart(figures.totals.byLevel),
      generatedAt: iso(row.generated_at),
    };
    const html = pageOf(figures.title, this.template(countyId)(data));
    if (format === 'html') return { html, title: figures.title };
    return { html, title: figures.title, pdf: await renderPdf(html, { title: `${figures.title}（${row.edition_year}年第${row.edition_no}期）` }) };
  }

  private template(countyId: string): Handlebars.TemplateDelegate {
    const own = path.join(this.templatesDir, countyId, 'doc-bulletin.hbs');
    const file = fs.existsSync(own) ? own : path.join(this.templatesDir, 'common', 'doc-bulletin.hbs');
    let fn = this.compiled.get(file);
    if (!fn) {
      if (!fs.existsSync(file)) throw new NotFoundError(`The bulletin template is missing: templates/common/doc-bulletin.hbs`);
      fn = this.hbs.compile(fs.readFileSync(file, 'utf8'));
      this.compiled.set(file, fn);
    }
    return fn;
  }

  private async row(countyId: string, id: string): Promise<Row> {
    const row = isUuid(id) ? await this.knex('bulletins').where({ id, county_id: countyId }).first() : undefined;
    if (!row) throw new NotFoundError(`No bulletin ${id} in ${countyId}`);
    if (typeof row.figures === 'string') row.figures = JSON.parse(row.figures);
    return row;
  }

  private summary(r: Row) {
    const base = `/api/v1/counties/${r.county_id}/bulletins/${r.id}`;
    const f = (typeof r.figures === 'string' ? JSON.parse(r.figures) : r.figures) as Figures & { title: string };
    return {
      id: r.id,
      county: r.county_id,
      title: f.title,
      edition: `${r.edition_year}年第${r.edition_no}期`,
      editionYear: r.edition_year,
      editionNo: r.edition_no,
      kind: r.period_kind,
      period: r.period,
      from: iso(r.period_from),
      to: iso(r.period_to),
      dueAt: iso(r.due_at),
      status: r.status,
      generatedAt: iso(r.generated_at),
      approvedBy: r.approved_by,
      approvedAt: iso(r.approved_at),
      publishedBy: r.published_by,
      publishedAt: iso(r.published_at),
      totals: { ratings: f.totals.total, goodRate: f.totals.goodRate, badRate: f.totals.badRate, cases: f.totals.cases },
      html: `${base}/bulletin.html`,
      pdf: `${base}/bulletin.pdf`,
    };
  }
}

const esc = (s: string) => Handlebars.escapeExpression(s);

/** Horizontal bars of 好评率 and 差评率 per ranked unit (SVG the browser and pdfmake both draw). */
export function barChart(rows: Array<{ label: string; good: number; bad: number }>): string {
  const w = 480;
  const left = 150;
  const barW = w - left - 60;
  const rowH = 26;
  const h = 30 + rows.length * rowH + 10;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`];
  parts.push(`<rect x="${left}" y="6" width="10" height="8" fill="#2e7d32"/><text x="${left + 14}" y="14" font-size="9">好评率</text>`);
  parts.push(`<rect x="${left + 70}" y="6" width="10" height="8" fill="#c62828"/><text x="${left + 84}" y="14" font-size="9">差评率</text>`);
  rows.forEach((r, i) => {
    const y = 26 + i * rowH;
    const label = r.label.length > 12 ? `${r.label.slice(0, 12)}…` : r.label;
    parts.push(`<text x="${left - 6}" y="${y + 12}" font-size="9" text-anchor="end">${esc(`${i + 1}. ${label}`)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(0.5, r.good * barW).toFixed(1)}" height="9" fill="#2e7d32"/>`);
    parts.push(`<text x="${left + r.good * barW + 4}" y="${y + 8}" font-size="8">${(r.good * 100).toFixed(1)}%</text>`);
    parts.push(`<rect x="${left}" y="${y + 11}" width="${Math.max(0.5, r.bad * barW).toFixed(1)}" height="9" fill="#c62828"/>`);
    parts.push(`<text x="${left + r.bad * barW + 4}" y="${y + 19}" font-size="8">${(r.bad * 100).toFixed(1)}%</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Columns of the five levels. */
export function levelChart(byLevel: Record<string, number>): string {
  const names: Array<[string, string, string]> = [['5', '非常满意', '#1b5e20'], ['4', '满意', '#43a047'], ['3', '基本满意', '#9ccc65'], ['2', '不满意', '#ef6c00'], ['1', '非常不满意', '#c62828']];
  const max = Math.max(1, ...names.map(([k]) => byLevel[k] ?? 0));
  const w = 400;
  const h = 150;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`];
  names.forEach(([k, name, color], i) => {
    const n = byLevel[k] ?? 0;
    const bh = (n / max) * 100;
    const x = 20 + i * 76;
    parts.push(`<rect x="${x}" y="${120 - bh}" width="46" height="${bh.toFixed(1)}" fill="${color}"/>`);
    parts.push(`<text x="${x + 23}" y="${114 - bh}" font-size="9" text-anchor="middle">${n}</text>`);
    parts.push(`<text x="${x + 23}" y="136" font-size="9" text-anchor="middle">${name}</text>`);
  });
  parts.push(`<line x1="10" y1="120" x2="${w - 10}" y2="120" stroke="#333" stroke-width="0.5"/></svg>`);
  return parts.join('');
}

function pageOf(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 11pt; max-width: 170mm; margin: 0 auto; }
h1 { text-align: center; font-size: 18pt; } h2 { font-size: 13pt; } p.center { text-align: center; } p.right { text-align: right; } p.note { font-size: 9pt; } p.indent { text-indent: 2em; }
table { width: 100%; border-collapse: collapse; } th, td { border: 0.5pt solid #999; padding: 3pt; font-size: 9pt; } th { background: #f2f2f2; }
</style></head>
<body>
${body}
</body></html>`;
}

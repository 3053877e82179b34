/**
 * Documents of a case (差评办件文书) as HTML and PDF: the county's handlebars template
 * (templates/<county>/doc-<kind>.hbs, the seed's layout field for field) filled from the case row, its
 * rating and the forms its tasks completed.
 *
 * Personal data (the evaluator's name, phone, ID number, 性别, 民族, 籍贯, and free text the intake
 * masked) is masked unless the user may reveal it and asks for it (?reveal=true, pii-reader); such a
 * rendering is recorded as a reveal (pii_reveals and the history of the instance). Archived copies are
 * always rendered masked, so the archive never holds personal data in clear.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { formatShanghaiMinute, iso, shanghaiParts } from '../calendar/civil-date';
import { CHANNELS, LEVEL_NAMES, OPTIONS, optionCategory, CATEGORY_NAMES } from '../cases/catalogue';
import type { Clock } from '../clock';
import { appendJournal, currentRevision } from '../db/journal';
import { NotFoundError } from '../errors';
import { isUuid } from '../ids';
import type { Logger } from '../log';
import type { PiiCipher } from '../privacy/cipher';
import { revealFreeText, revealPerson } from '../privacy/personal';
import { assertMayReveal, recordReveal } from '../privacy/reveal';
import type { Tenant, TenantRegistry } from '../tenants';
import { sealContext } from '../workflow/tasks.service';
import { CountyDocument, countyDocument, countyDocuments } from './kinds';
import { renderPdf } from './pdf';

type Row = Record<string, any>;

/** Form fields that describe the evaluator: masked with the rest of their personal data. */
const PERSON_FORM_FIELDS = ['evaluatorGender', 'evaluatorEthnicity', 'evaluatorHometown'];
const MASK = '＊＊';

export interface Rendered {
  kind: string;
  title: string;
  html: string;
  revealed: string[];
}

export class DocumentService {
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly pii: PiiCipher,
    private readonly templatesDir: string,
    private readonly logger: Logger,
  ) {
    const h = this.hbs;
    h.registerHelper('dt', (v: unknown) => (v ? formatShanghaiMinute(v as Date | string) : ''));
    h.registerHelper('cdate', (v: unknown) => {
      if (!v) return '　　年　月　日';
      const p = shanghaiParts(new Date(v as string));
      return `${p.year}年${p.month}月${p.day}日`;
    });
    h.registerHelper('md', (v: unknown) => {
      if (!v) return '　月　日';
      const p = shanghaiParts(new Date(v as string));
      return `${p.month}月${p.day}日`;
    });
    h.registerHelper('yesno', (v: unknown, yes: unknown, no: unknown) => (v === true ? (typeof yes === 'string' ? yes : '是') : v === false ? (typeof no === 'string' ? no : '否') : ''));
    h.registerHelper('box', (on: unknown) => (on ? '■' : '□'));
    h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    h.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).find((a) => a !== undefined && a !== null && a !== '') ?? '');
  }

  /** The documents a case has: each kind of its county, whether its data is complete, and the copies archived. */
  async list(user: User, countyId: string, caseId: string) {
    const tenant = countyAllowing(this.tenants, user, countyId);
    const c = await this.caseRow(countyId, caseId);
    const archived = await this.knex('case_documents').where({ case_id: c.id }).orderBy('id').select('id', 'kind', 'sha256', 'task_id', 'archived_by', 'archived_at');
    const base = `/api/v1/counties/${countyId}/cases/${c.id}/documents`;
    return {
      caseId: c.id,
      items: countyDocuments(tenant).map((d) => ({
        kind: d.kind,
        title: d.title,
        source: d.source,
        html: `${base}/${d.kind}.html`,
        pdf: `${base}/${d.kind}.pdf`,
        archiveOn: d.archiveOn,
        archived: archived
          .filter((a: Row) => a.kind === d.kind)
          .map((a: Row) => ({ id: Number(a.id), sha256: a.sha256, taskId: a.task_id, archivedBy: a.archived_by, archivedAt: iso(a.archived_at), pdf: `${base}/archived/${Number(a.id)}.pdf` })),
      })),
    };
  }

  async html(user: User, countyId: string, caseId: string, kind: string, reveal = false): Promise<Rendered> {
    const tenant = countyAllowing(this.tenants, user, countyId);
    const doc = countyDocument(tenant, kind);
    if (reveal) assertMayReveal(user, countyId);
    const c = await this.caseRow(countyId, caseId);
    const { data, fields } = await this.data(tenant, c, reveal);
    const html = this.page(doc, this.template(countyId, kind)(data));
    if (reveal && fields.length) {
      await recordReveal(this.knex, { countyId, actor: user.id, evaluationId: c.evaluation_id, caseId: c.id, instanceId: c.instance_id, fields: fields.map((f) => `document.${kind}.${f}`), at: this.clock.now() });
    }
    return { kind, title: doc.title, html, revealed: reveal ? fields : [] };
  }

  async pdf(user: User, countyId: string, caseId: string, kind: string, reveal = false): Promise<Rendered & { pdf: Buffer }> {
    const r = await this.html(user, countyId, caseId, kind, reveal);
    return { ...r, pdf: await renderPdf(r.html, { title: r.title }) };
  }

  /** An archived copy, byte for byte as it was sent. */
  async archived(user: User, countyId: string, caseId: string, id: number) {
    countyAllowing(this.tenants, user, countyId);
    const c = await this.caseRow(countyId, caseId);
    const row = await this.knex('case_documents').where({ id, case_id: c.id }).first();
    if (!row) throw new NotFoundError(`No archived document ${id} for case ${caseId}`);
    return { kind: row.kind as string, sha256: row.sha256 as string, pdf: Buffer.from(row.pdf) };
  }

  /**
   * After a task completes: the documents its county archives on that task, rendered masked, stored
   * with their SHA-256 and written into the history. Idempotent per task and kind. Called by the task
   * service once the step has committed (a failure is logged; the case goes on).
   */
  async archiveForTask(task: { id: string; county_id: string; instance_id: string; element_id: string; completed_by?: string | null }, actor: string): Promise<void> {
    const tenant = this.tenants.get(task.county_id);
    if (!tenant) return;
    const docs = countyDocuments(tenant).filter((d) => d.archiveOn.includes(task.element_id));
    if (!docs.length) return;
    const c: Row | undefined = await this.knex('cases').where({ instance_id: task.instance_id }).first();
    if (!c) return;
    for (const doc of docs) {
      try {
        const { data } = await this.data(tenant, c, false);
        const html = this.page(doc, this.template(tenant.id, doc.kind)(data));
        const pdf = await renderPdf(html, { title: doc.title });
        const sha256 = createHash('sha256').update(pdf).digest('hex');
        const at = this.clock.now();
        await this.knex.transaction(async (trx) => {
          const inserted = await trx('case_documents')
            .insert({ county_id: tenant.id, case_id: c.id, kind: doc.kind, sha256, pdf, task_id: task.id, archived_by: actor, archived_at: at })
            .onConflict(['task_id', 'kind'])
            .ignore()
            .returning('id');
          if (!inserted.length) return;
          await appendJournal(trx, [
            {
              instanceId: task.instance_id,
              countyId: tenant.id,
              revision: await currentRevision(trx, task.instance_id),
              type: 'document.archived',
              elementId: task.element_id,
              actor,
              data: { kind: doc.kind, title: doc.title, sha256, bytes: pdf.length, documentId: Number(inserted[0].id ?? inserted[0]), taskId: task.id },
              at,
            },
          ]);
        });
      } catch (err) {
        this.logger.error(`archiving ${doc.kind} of case ${c.id} failed: ${(err as Error).message}`);
      }
    }
  }

  private async caseRow(countyId: string, caseId: string): Promise<Row> {
    const c: Row | undefined = isUuid(caseId) ? await this.knex('cases').where({ id: caseId, county_id: countyId }).first() : undefined;
    if (!c) throw new NotFoundError(`No case ${caseId} in ${countyId}`);
    return c;
  }

  private template(countyId: string, kind: string): Handlebars.TemplateDelegate {
    const file = path.join(this.templatesDir, countyId, `doc-${kind}.hbs`);
    let fn = this.compiled.get(file);
    if (!fn) {
      if (!fs.existsSync(file)) throw new NotFoundError(`The template of ${kind} is missing: templates/${countyId}/doc-${kind}.hbs`);
      fn = this.hbs.compile(fs.readFileSync(file, 'utf8'), { strict: false });
      this.compiled.set(file, fn);
    }
    return fn;
  }

  /** A whole A4 page around the template's body: what a browser prints and what the PDF is made of. */
  private page(doc: CountyDocument, body: string): string {
    return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${Handlebars.escapeExpression(doc.title)}</title>
<style>
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 11pt; max-width: 170mm; margin: 0 auto; color: #000; }
h1 { text-align: center; font-size: 18pt; margin: 0 0 12pt; }
h2 { font-size: 13pt; margin: 10pt 0 6pt; }
p { line-height: 1.6; margin: 2pt 0 4pt; }
p.indent { text-indent: 2em; } p.note { font-size: 9pt; } p.right { text-align: right; } p.center { text-align: center; }
table { width: 100%; border-collapse: collapse; margin: 4pt 0 8pt; page-break-inside: avoid; }
th, td { border: 0.8pt solid #000; padding: 4pt; vertical-align: top; }
table:not(.form) th, table:not(.form) td { border-color: #999; font-size: 9pt; }
th { background: #f2f2f2; } td.tall { height: 56pt; } td.center { text-align: center; } td.right { text-align: right; }
</style></head>
<body>
${body}
</body></html>`;
  }

  /** What a template reads: the case, its rating, the person (masked or clear), the merged forms, task times. */
  private async data(tenant: Tenant, c: Row, reveal: boolean): Promise<{ data: Record<string, unknown>; fields: string[] }> {
    const [evaluation, tasks]: [Row | undefined, Row[]] = await Promise.all([
      c.evaluation_id ? this.knex('evaluations').where({ id: c.evaluation_id }).first() : Promise.resolve(undefined),
      c.instance_id ? this.knex('tasks').where({ instance_id: c.instance_id }).orderBy([{ column: 'created_at' }, { column: 'id' }]) : Promise.resolve([]),
    ]);
    // Completion order from the history (several tasks can complete at one clock instant).
    const done: Row[] = c.instance_id ? await this.knex('journal').where({ instance_id: c.instance_id, type: 'task.completed' }).orderBy('id').select('id', 'data') : [];
    const seq = new Map(done.map((j, i) => [((typeof j.data === 'string' ? JSON.parse(j.data) : j.data) ?? {}).taskId as string, i]));
    tasks.sort((a, b) => (seq.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (seq.get(b.id) ?? Number.MAX_SAFE_INTEGER));
    const fields: string[] = [];
    // The forms of every completed task, later answers over earlier ones (a second rectification wins).
    const form: Record<string, unknown> = {};
    // And each task's own answers (the unit's 整改措施 on the 登记表, not the centre's in its report).
    const byTask: Record<string, Record<string, unknown>> = {};
    const taskTimes: Record<string, { createdAt: string | null; completedAt: string | null; completedBy: string | null }> = {};
    for (const t of tasks) {
      taskTimes[t.element_id] = { createdAt: iso(t.created_at), completedAt: iso(t.completed_at), completedBy: t.completed_by ?? null };
      if (t.status !== 'completed') continue;
      let output = (typeof t.output === 'string' ? JSON.parse(t.output) : t.output) ?? {};
      if (reveal && t.output_enc) {
        output = JSON.parse(this.pii.decrypt(t.output_enc, sealContext('task', t.id)));
        fields.push(`task.${t.element_id}`);
      }
      Object.assign(form, output);
      byTask[t.element_id] = output;
    }
    for (const f of PERSON_FORM_FIELDS) {
      if (form[f] === undefined || form[f] === '') continue;
      if (reveal) fields.push(f);
      else {
        form[f] = MASK;
        for (const o of Object.values(byTask)) if (o[f] !== undefined) o[f] = MASK;
      }
    }
    const owner: Row | undefined = evaluation ?? (c.kind === 'on-site' ? c : undefined);
    const prefix = evaluation ? 'evaluator' : 'complainant';
    let person = owner ? { name: owner[`${prefix}_name_mask`] ?? '', phone: owner[`${prefix}_phone_mask`] ?? '', idNumber: owner[`${prefix}_id_mask`] ?? '' } : { name: '', phone: '', idNumber: '' };
    let comment: string | null = evaluation ? evaluation.comment : c.comment;
    let otherText: string | null = evaluation ? evaluation.other_text : c.other_text;
    if (reveal && owner) {
      const r = revealPerson(this.pii, owner as Row & { id: string }, prefix);
      if (r.person) person = { name: r.person.name ?? '', phone: r.person.phone ?? '', idNumber: r.person.idNumber ?? '' };
      fields.push(...r.fields);
      const text = revealFreeText(this.pii, owner as Row & { id: string });
      if (text) {
        comment = text.comment;
        otherText = text.otherText;
        fields.push(`${prefix}.freeText`);
      }
    }
    const options = ((typeof c.options === 'string' ? JSON.parse(c.options) : c.options) ?? []) as string[];
    const optionLabels = options.map((code) => `${CATEGORY_NAMES[optionCategory(code)] ?? ''}：${OPTIONS[code] ?? code}`);
    const level = evaluation ? Number(evaluation.level) : c.level;
    const rectifyTask = tasks.find((t) => /rectify/i.test(t.element_id));
    const unitName = (form.unitName as string) || c.unit_name || '';
    const data = {
      county: { id: tenant.id, name: tenant.name },
      case: {
        id: c.id,
        no: c.case_no ?? '',
        serviceName: c.service_name ?? '',
        serviceCode: c.service_code ?? '',
        unitName,
        windowName: c.window_name ?? '',
        staffName: c.staff_name ?? '',
        onSite: c.kind === 'on-site',
        pushed: c.kind === 'system-pushed',
        receivedAt: iso(c.received_at),
        ratedAt: iso(evaluation?.rated_at ?? c.occurred_at ?? c.received_at),
        level,
        levelName: level ? LEVEL_NAMES[level] : '',
        channelName: evaluation ? (CHANNELS[evaluation.channel] ?? evaluation.channel) : '现场投诉',
        options: optionLabels,
        comment: comment ?? '',
        otherText: otherText ?? '',
        content: (form.complaintContent as string) || [optionLabels.join('；'), otherText, comment].filter(Boolean).join('；'),
        status: c.status,
        handedOverAt: iso(rectifyTask?.created_at ?? null),
        rectifiedAt: iso(rectifyTask?.completed_at ?? null),
      },
      person,
      form,
      byTask,
      tasks: taskTimes,
      masked: !reveal,
      printedAt: iso(this.clock.now()),
    };
    return { data, fields: [...new Set(fields)] };
  }
}

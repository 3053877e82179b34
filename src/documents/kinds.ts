/**
 * The paper of a case (差评办件的文书): which forms and reports each county's seed requires, and the
 * template that lays each one out, field for field (templates/<county>/doc-<kind>.hbs).
 *
 * A county lists its kinds in tenant.yaml under `documents:`, each with `archiveOn`: the user tasks whose
 * completion sends the document onward (e.g. the report to 效能督查科); the rendered PDF is archived
 * with the case then, and its hash written into the history.
 */
import { NotFoundError } from '../errors';
import type { Tenant } from '../tenants';

export interface DocumentKind {
  kind: string;
  title: string;
  /** Where the layout comes from. */
  source: string;
}

export const DOCUMENT_KINDS: Record<string, DocumentKind> = {
  registration: { kind: 'registration', title: '差评办件登记表', source: 'seed 000 附件2' },
  'handover-registration': { kind: 'handover-registration', title: '差评办件转办登记表', source: 'seed 001 附件4' },
  'investigation-report': { kind: 'investigation-report', title: '差评办件调查整改报告', source: 'seed 000/001 附件5' },
  'rectification-report': { kind: 'rectification-report', title: '政务服务差评事项核查整改情况报告表', source: 'seed 003 附件2' },
  'review-application': { kind: 'review-application', title: '政务服务“差评”复核申请表', source: 'seed 003 附件3' },
};

export interface CountyDocument extends DocumentKind {
  /** User tasks (element ids) whose completion archives the rendered PDF. */
  archiveOn: string[];
}

/** The document kinds of a county, from tenant.yaml `documents:` (checked: an unknown kind is a configuration error). */
export function countyDocuments(tenant: Tenant): CountyDocument[] {
  const conf = (tenant.settings.documents ?? {}) as Record<string, { archiveOn?: string[] } | null>;
  return Object.entries(conf).map(([kind, v]) => {
    const k = DOCUMENT_KINDS[kind];
    if (!k) throw new Error(`processes/${tenant.id}/tenant.yaml: documents.${kind} is not a document kind (${Object.keys(DOCUMENT_KINDS).join(', ')})`);
    return { ...k, archiveOn: Array.isArray(v?.archiveOn) ? v!.archiveOn.map(String) : [] };
  });
}

export function countyDocument(tenant: Tenant, kind: string): CountyDocument {
  const all = countyDocuments(tenant);
  const found = all.find((d) => d.kind === kind);
  if (!found) {
    const reason = all.length ? `must be one of ${all.map((d) => d.kind).join(', ')}` : 'this county has no documents';
    throw new NotFoundError(`${tenant.name} has no document "${kind}": ${reason}`, { field: 'kind', reason });
  }
  return found;
}

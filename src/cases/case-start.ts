/**
 * Creating a case (差评办件) and starting its diagram, inside the caller's transaction: the rating or
 * complaint, the case row and the first steps of the instance commit together or not at all. The
 * instance's business key is the case id, so (county, process, business key) makes the start unique.
 *
 * Which diagram: tenant.yaml `processes: { systemPushed: <processKey>, onSite: <processKey> }`.
 *
 * Process variables (what the diagrams may rely on): caseId, receivedAt (ISO instant), kind
 * ('system-pushed' | 'on-site'), unitId, unitName, serviceName, serviceCode, staffName, level (1|2, or
 * null for a complaint that states none), levelName, options (codes of 附件1), comment, channel
 * ('on-site' for a complaint); comment carries the text of the option other too. Never the evaluator's or complainant's name, phone or ID number:
 * notifications to that person use the recipient token `evaluator`, which the delivery side resolves.
 */
import type { Knex } from 'knex';
import type { DefinitionStore } from '../engine/definition-store';
import type { Runner } from '../engine/runner';
import { ConflictError } from '../errors';
import type { Tenant } from '../tenants';
import { NewCaseRow, insertCase, linkInstance } from './case-rows';
import { LEVEL_NAMES } from './catalogue';

export type { NewCaseRow };
export type CaseKind = 'system-pushed' | 'on-site';

const SETTING: Record<CaseKind, 'systemPushed' | 'onSite'> = { 'system-pushed': 'systemPushed', 'on-site': 'onSite' };

/** The process key a county starts for a kind of case; 409 naming the tenant.yaml setting when unset. */
export function processKeyFor(tenant: Tenant, kind: CaseKind): string {
  const processes = tenant.settings.processes as Record<string, unknown> | undefined;
  const key = processes?.[SETTING[kind]];
  if (typeof key !== 'string' || !key) {
    throw new ConflictError(
      `County ${tenant.id} cannot take ${kind === 'system-pushed' ? 'bad ratings' : 'on-site complaints'} yet: processes/${tenant.id}/tenant.yaml has no processes.${SETTING[kind]} (the process key of the diagram to start)`,
      [{ field: `processes.${SETTING[kind]}`, reason: 'is not set in tenant.yaml' }],
      'county_not_configured',
    );
  }
  return key;
}

export class CaseStarter {
  private readonly deployed = new Set<string>();

  constructor(
    private readonly runner: Runner,
    private readonly definitions: DefinitionStore,
  ) {}

  /** Inserts the case and starts its diagram in `trx`. Returns the instance id. */
  async create(trx: Knex.Transaction, tenant: Tenant, row: NewCaseRow): Promise<{ instanceId: string; processKey: string }> {
    const processKey = processKeyFor(tenant, row.kind);
    await this.assertDeployed(trx, tenant.id, processKey);
    await insertCase(trx, { ...row, process_key: processKey });
    const instance = await this.runner.start(
      {
        countyId: tenant.id,
        processKey,
        businessKey: row.id,
        actor: row.created_by,
        variables: {
          caseId: row.id,
          receivedAt: row.received_at.toISOString(),
          kind: row.kind,
          unitId: row.unit_id ?? null,
          unitName: row.unit_name ?? null,
          serviceName: row.service_name ?? null,
          serviceCode: row.service_code ?? null,
          staffName: row.staff_name ?? null,
          level: row.level ?? null,
          levelName: row.level ? LEVEL_NAMES[row.level] : null,
          options: row.options,
          // The text of the option other is appended, so a diagram or template needs one field only.
          comment: [row.comment, row.other_text ? `其他：${row.other_text}` : null].filter(Boolean).join('；') || null,
          channel: row.channel ?? null,
        },
      },
      trx,
    );
    await linkInstance(trx, row.id, instance.id);
    return { instanceId: instance.id, processKey };
  }

  private async assertDeployed(trx: Knex.Transaction, countyId: string, processKey: string): Promise<void> {
    const k = `${countyId}/${processKey}`;
    if (this.deployed.has(k)) return;
    if (!(await this.definitions.exists(trx, countyId, processKey))) {
      throw new ConflictError(`County ${countyId} names the process "${processKey}" in tenant.yaml processes, but no such diagram is deployed`, [{ field: 'processes', reason: `process ${processKey} is not deployed` }], 'process_not_deployed');
    }
    this.deployed.add(k);
  }
}

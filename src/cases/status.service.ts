/**
 * The `setStatus` service: a diagram marks where a case stands in plain words. camunda:property
 * `status` is one of CASE_STATUSES; the value lands in the process variable caseStatus and, in the same
 * step transaction, on the case row whose id is the business key of the instance (cases started by the
 * intake), together with the outcome read from the process variables (src/cases/outcome.ts). Instances
 * started by hand with another business key only get the variable. The responsible unit goes along: a
 * callback or an assignment may have corrected the process variables unitId / unitName.
 */
import type { ServiceDefinition } from '../engine/services';
import { deriveOutcome } from './outcome';

export const CASE_STATUSES = ['received', 'verifying', 'rectifying', 'appealing', 'reporting', 'feedback', 'archived', 'revoked'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function setStatusService(): ServiceDefinition {
  return {
    name: 'setStatus',
    description: `Sets the case status (process variable caseStatus and the case row) to the property "status": ${CASE_STATUSES.join(', ')}.`,
    requiredProperties: ['status'],
    lint(properties) {
      const s = properties.status;
      return s && !CASE_STATUSES.includes(s as CaseStatus) ? [`status "${s}" is not one of ${CASE_STATUSES.join(', ')}`] : [];
    },
    async run(call) {
      const status = call.properties.status;
      if (CASE_STATUSES.includes(status as CaseStatus) && call.businessKey && UUID.test(call.businessKey)) {
        const outcome = deriveOutcome(call.variables);
        await call
          .trx('cases')
          .where({ id: call.businessKey, county_id: call.countyId })
          .andWhere((q) => q.whereNull('instance_id').orWhere('instance_id', call.instanceId))
          .update({ status, status_at: call.now, revoked_at: status === 'revoked' ? call.now : null, ...(outcome ? { outcome } : {}), ...unitOf(call.variables) });
      }
      return { caseStatus: status, caseStatusAt: call.now.toISOString() };
    },
  };
}

/** The case's responsible unit as the process now has it (the intake's, or corrected by a form). */
function unitOf(variables: Record<string, unknown>): { unit_id?: string; unit_name?: string } {
  const out: { unit_id?: string; unit_name?: string } = {};
  if (typeof variables.unitId === 'string' && variables.unitId) out.unit_id = variables.unitId;
  if (typeof variables.unitName === 'string' && variables.unitName) out.unit_name = variables.unitName;
  return out;
}

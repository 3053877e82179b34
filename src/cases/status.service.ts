/**
 * The `setStatus` service: a diagram marks where a case stands in plain words. camunda:property
 * `status` is one of CASE_STATUSES; the value lands in the process variable caseStatus and, when the step
 * commits, on the case row whose id is the business key of the instance (cases started by the intake),
 * together with the outcome read from the process variables (src/cases/outcome.ts). Instances started by
 * hand with another business key only get the variable. The responsible unit goes along: a callback or
 * an assignment may have corrected the process variables unitId / unitName.
 */
import type { ServiceDefinition } from '../engine/services';
import { isUuid } from '../ids';
import { updateStatus } from './case-rows';
import { deriveOutcome } from './outcome';

export const CASE_STATUSES = ['received', 'verifying', 'rectifying', 'appealing', 'reporting', 'feedback', 'archived', 'revoked'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export function setStatusService(): ServiceDefinition {
  return {
    name: 'setStatus',
    description: `Sets the case status (process variable caseStatus and the case row) to the property "status": ${CASE_STATUSES.join(', ')}.`,
    requiredProperties: ['status'],
    lint(properties) {
      const s = properties.status;
      return s && !CASE_STATUSES.includes(s as CaseStatus) ? [`status "${s}" is not one of ${CASE_STATUSES.join(', ')}`] : [];
    },
    run(call) {
      const status = call.properties.status;
      if (CASE_STATUSES.includes(status as CaseStatus) && isUuid(call.businessKey)) {
        call.effect({ status, outcome: deriveOutcome(call.variables), ...unitOf(call.variables) });
      }
      return { caseStatus: status, caseStatusAt: call.now.toISOString() };
    },
    async persist(trx, effect, ctx) {
      await updateStatus(trx, {
        caseId: ctx.businessKey!,
        countyId: ctx.countyId,
        instanceId: ctx.instanceId,
        status: String(effect.status),
        at: ctx.now,
        outcome: effect.outcome as string | null,
        unitId: effect.unitId as string | undefined,
        unitName: effect.unitName as string | undefined,
      });
    },
  };
}

/** The case's responsible unit as the process now has it (the intake's, or corrected by a form). */
function unitOf(variables: Record<string, unknown>): { unitId?: string; unitName?: string } {
  const out: { unitId?: string; unitName?: string } = {};
  if (typeof variables.unitId === 'string' && variables.unitId) out.unitId = variables.unitId;
  if (typeof variables.unitName === 'string' && variables.unitName) out.unitName = variables.unitName;
  return out;
}

/**
 * The `setStatus` service: a diagram marks where a case stands in plain words. camunda:property
 * `status` is one of CASE_STATUSES; the value lands in the process variable caseStatus (and, once the
 * case register exists, on the case row).
 */
import type { ServiceDefinition } from '../engine/services';

export const CASE_STATUSES = ['received', 'verifying', 'rectifying', 'appealing', 'reporting', 'feedback', 'archived', 'revoked'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export function setStatusService(): ServiceDefinition {
  return {
    name: 'setStatus',
    description: `Sets the case status (process variable caseStatus) to the property "status": ${CASE_STATUSES.join(', ')}.`,
    requiredProperties: ['status'],
    lint(properties) {
      const s = properties.status;
      return s && !CASE_STATUSES.includes(s as CaseStatus) ? [`status "${s}" is not one of ${CASE_STATUSES.join(', ')}`] : [];
    },
    run(call) {
      return { caseStatus: call.properties.status, caseStatusAt: call.now.toISOString() };
    },
  };
}

/** Helpers of the intake tests: people with valid numbers, 办件 and ratings of the intakeshire county. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { residentIdCheck, usccCheck } from '../../src/privacy/identity';
import { ADMIN_TOKEN, ApiClient, FIXTURES, TestApp } from './harness';

export const COUNTY = 'intakeshire';

/** An 18-character resident ID with a correct GB 11643 check digit. */
export function residentId(first17: string): string {
  return first17 + residentIdCheck(first17);
}

/** A 统一社会信用代码 with a correct GB 32100 check character. */
export function uscc(first17: string): string {
  return first17 + usccCheck(first17);
}

/** The evaluator whose numbers must never appear in clear outside the encrypted columns. */
export const EVALUATOR = { kind: 'person', name: '张三丰', phone: '13912345678', idNumber: residentId('11010519800101123') };

export function serviceCase(caseNo: string, over: Record<string, unknown> = {}) {
  return {
    caseNo,
    serviceCode: '11450200MB0000000X-001',
    serviceName: '企业设立登记',
    unitId: 'unit-a',
    window: '3号窗口',
    staffId: 'S-007',
    staffName: '王小明',
    mode: 'on-site',
    acceptedAt: '2026-11-02T09:00:00+08:00',
    completedAt: '2026-11-02T15:00:00+08:00',
    ...over,
  };
}

let seq = 0;
export function rating(caseNo: string, over: Record<string, unknown> = {}) {
  return {
    senderId: `dev-${process.pid}-${++seq}`,
    caseNo,
    level: 5,
    channel: '4',
    ratedAt: '2026-11-02T15:05:00+08:00',
    evaluator: EVALUATOR,
    ...over,
  };
}

export function badRating(caseNo: string, over: Record<string, unknown> = {}) {
  return rating(caseNo, { level: 2, options: ['attitude-3', 'efficiency-3'], comment: '排队时间长，工作人员态度生硬', ...over });
}

/** A user of the county with the given roles; answers a client with its token. */
export async function user(app: TestApp, id: string, roles: string[], counties = [COUNTY]): Promise<ApiClient> {
  const r = await app.api.as(ADMIN_TOKEN).post('/api/v1/admin/users', { id, roles, counties });
  if (r.status !== 201) throw new Error(`user ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return app.api.as(r.body.token);
}

/** A processes folder with intakeshire copied and its tenant.yaml changed (e.g. allowReRating: true). */
export function processesWith(tenantYamlEdit: (yaml: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-intake-processes-'));
  const from = path.join(FIXTURES, 'processes', COUNTY);
  const to = path.join(dir, COUNTY);
  fs.cpSync(from, to, { recursive: true });
  const file = path.join(to, 'tenant.yaml');
  fs.writeFileSync(file, tenantYamlEdit(fs.readFileSync(file, 'utf8')));
  return dir;
}

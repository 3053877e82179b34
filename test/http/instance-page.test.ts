/**
 * The case path page in a real browser (Debian's Chromium): an auditor of 柳东新区 opens
 * /ui/instances/{id} of a finished case, sees the executed path marked on the diagram, moves the slider
 * back to the step after the callback, and sees the unit's rectification task open at that step.
 */
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { TestApp, useApp } from '../support/harness';
import { screenshot, signInPage, useBrowser } from '../support/browser';
import { badRating, complete } from '../scenarios/support';

const ROOT = path.resolve(__dirname, '..', '..');
let app: TestApp;
useApp((a) => (app = a), { processesDir: path.join(ROOT, 'processes'), templatesDir: path.join(ROOT, 'templates') });
let browser: Browser;
useBrowser((b) => (browser = b));

test('a finished 柳东 case: the path is marked; the slider shows the open task of a step', async () => {
  const api = app.api;
  await api.put('/api/v1/admin/clock', { now: '2026-09-30T14:00:00+08:00' });
  const caseId = await badRating(api, 'liudong', { caseNo: 'LD-UI-001', unitId: 'ld-scjg', serviceName: '企业设立登记', completedAt: '2026-09-30T09:40:00+08:00', ratedAt: '2026-09-30T13:55:00+08:00' });
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '窗口人员未一次性告知所需材料', realDemand: '希望当天办结', evidence: '大厅视频' });
  await api.put('/api/v1/admin/clock', { now: '2026-10-12T10:00:00+08:00' });
  await complete(api, caseId, 'unitRectify', { meetingHeld: true, responsiblePerson: '科长 李四', measures: '张贴一次性告知清单', rectified: true, unitLeaderOpinion: '同意' });
  await complete(api, caseId, 'feedbackEvaluator', { satisfied: true, evaluatorOpinion: '认可整改' });
  await complete(api, caseId, 'writeReport', { staffReception: '未一次性告知', investigation: '情况属实', measures: '张贴清单' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
  await complete(api, caseId, 'fileAndReport', { reportSummary: '已整改', inBulletin: true, grave: false });
  const instanceId = (await api.get(`/api/v1/counties/liudong/cases/${caseId}`)).body.instance.id;

  const token = (await api.post('/api/v1/admin/users', { id: 'ld.auditor', name: '柳东审计', roles: ['auditor'], counties: ['liudong'] })).body.token;
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await signInPage(page, `${app.url}/ui/instances/${instanceId}`, token);
  await page.waitForSelector(`body[data-loaded="${instanceId}"]`);

  // The finished case: its path is marked, the end reached, nothing open.
  expect(await page.textContent('#instance-status')).toBe('completed');
  expect(await page.textContent('#chain')).toBe('ok');
  expect(await page.isVisible('.bjs-powered-by')).toBe(true);
  const executed = await page.$$eval('g.djs-element.executed', (els) => els.map((e) => e.getAttribute('data-element-id')));
  expect(executed).toEqual(expect.arrayContaining(['callbackVerify', 'unitRectify', 'fileAndReport']));
  expect(executed.length).toBeGreaterThan(10);
  expect(await page.$$eval('.badge.count', (els) => els.length)).toBeGreaterThan(5);
  expect(await page.textContent('#open-tasks')).toContain('—');
  await screenshot(page, 'instance-path-finished');

  // Back to the step after the callback: the unit's rectification is open, due 9 October, overdue by the 12th.
  const steps = Number(await page.getAttribute('#steps', 'max')) + 1;
  expect(steps).toBeGreaterThanOrEqual(7);
  await page.fill('#steps', '1');
  await page.waitForSelector('body[data-step="1"]');
  expect(await page.getAttribute('#open-tasks li', 'data-element-id')).toBe('unitRectify');
  expect(await page.$$eval('g.djs-element.active', (els) => els.map((e) => e.getAttribute('data-element-id')))).toContain('unitRectify');
  expect(await page.$$eval('g.djs-element.executed', (els) => els.map((e) => e.getAttribute('data-element-id')))).not.toContain('fileAndReport');
  expect(await page.$$eval('.badge.due, .badge.overdue', (els) => els.length)).toBe(1);
  await screenshot(page, 'instance-path-step-2');
  expect(problems).toEqual([]);
}, 120_000);

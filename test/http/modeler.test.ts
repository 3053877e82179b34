/**
 * The web modeler in a real browser (Debian's Chromium): a process administrator of 柳东新区 opens the
 * modeler, loads 柳东's system-pushed diagram, sees it linted with the server's rules, changes a task's
 * due date in the properties panel and sees what the new expression means on the county's calendar,
 * checks with the server (dry run), deploys, and the new version is listed; the bpmn.io watermark shows.
 */
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { TestApp, useApp } from '../support/harness';
import { screenshot, signInPage, useBrowser } from '../support/browser';

const ROOT = path.resolve(__dirname, '..', '..');
let app: TestApp;
useApp((a) => (app = a), { processesDir: path.join(ROOT, 'processes'), templatesDir: path.join(ROOT, 'templates') });
let browser: Browser;
useBrowser((b) => (browser = b));

test('load 柳东 systemPushed, change a due date in the properties panel, check, deploy: v2 is listed', async () => {
  const token = (await app.api.post('/api/v1/admin/users', { id: 'ld.modeler', name: '柳东流程管理员', roles: ['process-admin'], counties: ['liudong'] })).body.token;
  await app.api.put('/api/v1/admin/clock', { now: '2026-09-30T15:00:00+08:00' });
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await signInPage(page, `${app.url}/ui/modeler`, token);

  // The only county this administrator may see; choose the system-pushed diagram, latest version.
  await page.waitForSelector('body[data-loaded]');
  expect(await page.$$eval('#county option', (o) => o.map((x) => x.getAttribute('value')))).toEqual(['liudong']);
  await page.selectOption('#process', 'liudongSystemPushed');
  await page.waitForSelector('body[data-loaded="liudongSystemPushed:v1"]');
  await page.waitForSelector('g.djs-element[data-element-id="unitRectify"]');
  // The licence's watermark is there and visible.
  expect(await page.isVisible('.bjs-powered-by')).toBe(true);
  await page.waitForFunction(`/error/.test(document.getElementById('lint-count')?.textContent ?? '')`);

  // Select the unit's rectification task; its due date (2wd) is a field of the properties panel.
  await page.click('g.djs-element[data-element-id="unitRectify"]');
  await page.waitForSelector('[data-group-id="group-CamundaPlatform__UserAssignment"]');
  const input = '#bio-properties-panel-dueDate';
  if (!(await page.isVisible(input))) await page.click('[data-group-id="group-CamundaPlatform__UserAssignment"] .bio-properties-panel-group-header');
  expect(await page.inputValue(input)).toBe('2wd');
  await page.fill(input, '3wd');
  await page.press(input, 'Tab');
  // What 3wd means from the sample instant: received the afternoon before National Day, the holiday
  // skipped, 8, 9 and (a make-up working Saturday) 10 October counted: due at the centre's close of
  // business (tenant.yaml officeHours 17:30) on 10 October.
  await page.fill('#deadline-from', '2026-09-30T15:00');
  await page.waitForFunction(`/2026-10-10 17:30/.test(document.getElementById('deadline-meaning')?.textContent ?? '')`);
  const meaning = await page.textContent('#deadline-meaning');
  expect(meaning).toContain('3 working days');
  expect(meaning).toContain('2026-10-10 17:30');

  await page.click('#check');
  await page.waitForFunction(`/would accept it as/.test(document.getElementById('check-result')?.textContent ?? '')`);
  expect(await page.textContent('#check-result')).toContain('v2');
  expect((await app.api.get('/api/v1/definitions?county=liudong&processKey=liudongSystemPushed&versions=all')).body.items).toHaveLength(1);

  await page.click('#deploy');
  await page.waitForSelector('body[data-deployed="v2"]');
  expect(await page.textContent('#status')).toBe('Deployed v2');
  const versions = await page.$$eval('#version option', (o) => o.map((x) => x.textContent ?? ''));
  expect(versions[0]).toMatch(/^v2 \(latest 最新\) · ld\.modeler/);
  expect(versions[1]).toMatch(/^v1 /);
  await screenshot(page, 'modeler-liudong-deployed');

  const listed = (await app.api.get('/api/v1/definitions?county=liudong&processKey=liudongSystemPushed&versions=all')).body.items;
  expect(listed.map((d: { version: number; deployed_by: string }) => [d.version, d.deployed_by])).toEqual([
    [2, 'ld.modeler'],
    [1, 'startup'],
  ]);
  const v2 = (await app.api.get(`/api/v1/definitions/${listed[0].id}`)).body;
  expect(v2.source).toMatch(/id="unitRectify"[^>]*camunda:dueDate="3wd"/);
  expect(v2.elements.userTasks.unitRectify.dueDate).toBe('3wd');
  expect(problems).toEqual([]);
  await page.close();
});

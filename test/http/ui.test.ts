/**
 * The pages in a real browser: the shell is public and holds no data; a person signs in with a token and
 * sees the counties the token may see; a token the server refuses brings the sign-in form back.
 */
import type { Browser } from 'playwright-core';
import { ADMIN_TOKEN, TestApp, useApp } from '../support/harness';
import { screenshot, signInPage, useBrowser } from '../support/browser';

let app: TestApp;
useApp((a) => (app = a));
let browser: Browser;
useBrowser((b) => (browser = b));

test('GET /ui is a public shell with no data; assets are served; unknown pages are 404', async () => {
  const shell = await fetch(`${app.url}/ui`);
  expect(shell.status).toBe(200);
  expect(shell.headers.get('content-type')).toMatch(/text\/html/);
  const html = await shell.text();
  expect(html).toContain('/ui/assets/home.js');
  expect(html).not.toContain('testshire');
  expect((await fetch(`${app.url}/ui/assets/home.js`)).status).toBe(200);
  expect((await fetch(`${app.url}/ui/nope`)).status).toBe(404);
  expect((await fetch(`${app.url}/ui/..%2Fpackage.json`)).status).toBe(404);
});

test('signing in with a token shows the counties it may see; a refused token shows the form again', async () => {
  const page = await browser.newPage();
  await signInPage(page, `${app.url}/ui`, ADMIN_TOKEN);
  await page.waitForSelector('ul.counties li');
  const counties = await page.$$eval('ul.counties li', (els) => els.map((e) => e.getAttribute('data-county')));
  expect(counties).toEqual(expect.arrayContaining(['testshire', 'otherton']));
  await screenshot(page, 'ui-home');

  const other = await browser.newPage();
  await signInPage(other, `${app.url}/ui`, 'not-a-token');
  await other.waitForSelector('#signin');
  expect(await other.$('ul.counties')).toBeNull();
  await page.close();
  await other.close();
});

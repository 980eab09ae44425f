// Alerts and token deadlines in the browser, against a real `scim-console serve` and headless
// Chromium: the configurations list flags a token due for rotation, the Tokens tab shows when
// each token is due, and the Alerts tab adds a rule of every kind it offers (each with its own
// fields), raises one ahead of the rotation date, disables one and removes one.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkAccessible, startBrowser, startConsole } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let server;
let browser;
let page;
let configuration;

/** The admin API, with the server's admin token. */
async function api(method, path, body) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  server = await startConsole();
  browser = await startBrowser();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true });
  page = await context.newPage();
  [configuration] = await api('GET', '/api/configurations');
  // Tokens are to be rotated every 10 days: the first token is due within the list's 30 days.
  await api('PATCH', `/api/configurations/${configuration.id}`, { tokenPolicy: { rotationDays: 10 } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the configurations list flags the token due, and the Tokens tab says when', async () => {
  await page.goto(server.adminLink);
  await page.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  const row = page.getByRole('row', { name: /default/ });
  await row.getByText(/^Rotation due in (9|10) days$/).waitFor();
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Tokens', exact: true }).click();
  await page.getByRole('columnheader', { name: 'Rotation' }).waitFor();
  await page
    .getByRole('table', { name: 'Tokens' })
    .getByText(/^Rotation due in (9|10) days$/)
    .waitFor();
  // Nothing is overdue yet: no summary above the list.
  assert.equal(await page.getByText('Rotation overdue').count(), 0);
  await page.screenshot({ path: join(artifacts, '50-token-rotation-due.png'), fullPage: true });
});

/** Every kind the form offers, the fields it asks for, and how the server describes the rule. */
const kinds = [
  {
    option: 'Too many requests fail',
    fields: { 'Failing at least (%)': '25', 'Over (minutes)': '30' },
    description: 'at least 25% of requests fail over 30 minutes (from 10 requests)',
  },
  {
    option: 'No request for a while',
    fields: { 'For (hours)': '8' },
    description: 'no requests for 8 hours',
  },
  {
    option: 'A revoked or expired token is used',
    fields: { 'Look back (minutes)': '45' },
    description: 'a revoked token is used (looking back 45 minutes)',
  },
  {
    option: 'A token is about to expire',
    fields: { 'Warn ahead (days)': '21' },
    description: 'a token expires within 21 days, or has expired',
  },
  {
    option: 'A token is due for rotation',
    fields: { 'Warn ahead (days)': '14' },
    description: 'a token is due for rotation within 14 days, or overdue',
  },
];

test('the Alerts tab adds a rule of every kind, each with its own fields', async () => {
  await page.getByRole('tab', { name: 'Alerts', exact: true }).click();
  await page.getByRole('heading', { name: 'Alert rules' }).waitFor();
  for (const kind of kinds) {
    await page.getByRole('button', { name: 'Add rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill(kind.option);
    await dialog.getByRole('combobox', { name: 'When' }).click();
    await page.getByRole('option', { name: kind.option, exact: true }).click();
    for (const [label, value] of Object.entries(kind.fields)) {
      await dialog.getByRole('textbox', { name: label }).fill(value);
    }
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('table', { name: 'Alert rules' }).getByRole('row', { name: new RegExp(kind.option) });
    await row.getByRole('cell', { name: kind.description, exact: true }).waitFor();
  }
  await checkAccessible(page, 'the Alerts tab');
});

test('the rotation rule fires ahead of the date; rules are disabled and removed', async () => {
  const events = await api('POST', '/api/alerts/evaluate');
  assert.deepEqual(
    events.map((e) => e.ruleName),
    ['A token is due for rotation'],
  );
  await page.reload();
  const rules = page.getByRole('table', { name: 'Alert rules' });
  await rules
    .getByRole('row', { name: /A token is due for rotation/ })
    .getByText(/^since /)
    .waitFor();
  await page
    .getByRole('table', { name: 'Alert history' })
    .getByText(/is due for rotation on \d{4}-\d\d-\d\d \(in \d+ days\)/)
    .waitFor();
  await page.screenshot({ path: join(artifacts, '51-alert-rules.png'), fullPage: true });
  await page.getByRole('switch', { name: 'Disable No request for a while' }).click({ force: true });
  await page.getByRole('switch', { name: 'Enable No request for a while' }).waitFor();
  await page.getByRole('button', { name: 'Remove Too many requests fail' }).click();
  await rules.getByRole('row', { name: /Too many requests fail/ }).waitFor({ state: 'detached' });
  const left = await api('GET', `/api/configurations/${configuration.id}/alerts`);
  assert.deepEqual(
    left.map((r) => [r.name, r.enabled]),
    [
      ['No request for a while', false],
      ['A revoked or expired token is used', true],
      ['A token is about to expire', true],
      ['A token is due for rotation', true],
    ],
  );
});

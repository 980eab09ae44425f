// Alerts and token deadlines in the browser, against a real `scim-console serve` and headless
// Chromium: the configurations list flags a token due for rotation, the Tokens tab shows when
// each token is due, the Alerts tab adds a rule of every kind it offers (each with its own
// fields), raises one ahead of the rotation date, disables one and removes one, and Settings →
// Email sets the relay and sends a test email to a real SMTP server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { adminApi, checkAccessible, startSession } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let session;
let server;
let page;
let configuration;

/** The admin API, with the server's admin token. */
const api = (method, path, body) => adminApi(server, method, path, body);

before(async () => {
  session = await startSession();
  ({ server, page } = session);
  [configuration] = await api('GET', '/api/configurations');
  // Tokens are to be rotated every 10 days: the first token is due within the list's 30 days.
  await api('PATCH', `/api/configurations/${configuration.id}`, { tokenPolicy: { rotationDays: 10 } });
});

after(async () => {
  await session?.stop();
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
  {
    option: 'Deletions are held by the threshold',
    fields: {},
    description: 'deletions are held by the accidental-deletion threshold',
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
  await page.getByRole('button', { name: 'Actions for Too many requests fail' }).click();
  await page.getByRole('menuitem', { name: 'Remove' }).click();
  await rules.getByRole('row', { name: /Too many requests fail/ }).waitFor({ state: 'detached' });
  const left = await api('GET', `/api/configurations/${configuration.id}/alerts`);
  assert.deepEqual(
    left.map((r) => [r.name, r.enabled]),
    [
      ['No request for a while', false],
      ['A revoked or expired token is used', true],
      ['A token is about to expire', true],
      ['A token is due for rotation', true],
      ['Deletions are held by the threshold', true],
    ],
  );
});

test('Settings → Email sets the relay, each security with its port, and a test email arrives', async () => {
  // A real SMTP server (npm's smtp-server), plain on loopback with a sign-in.
  const smtp = spawn(process.execPath, [new URL('../smtp/smtp-server.mjs', import.meta.url).pathname], {
    env: { ...process.env, SMTP_MODE: 'none', SMTP_USER: 'relay-user', SMTP_PASS: 'relay-pass' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: smtp.stdout })[Symbol.asyncIterator]();
  try {
    const { port } = JSON.parse((await lines.next()).value);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Email', exact: true }).waitFor();
    const portBox = page.getByRole('textbox', { name: 'Port' });
    for (const [label, expected] of [
      ['TLS (465)', '465'],
      ['STARTTLS (587)', '587'],
      ['None (25, private relay)', '25'],
    ]) {
      await page.locator('label', { hasText: label }).click();
      assert.equal(await portBox.inputValue(), expected, label);
    }
    await page
      .getByRole('note')
      .getByText(/cross the network in clear/)
      .waitFor();
    await page.getByRole('textbox', { name: 'Host' }).fill('127.0.0.1');
    await portBox.fill(String(port));
    await page.getByRole('textbox', { name: 'User name' }).fill('relay-user');
    await page.getByRole('textbox', { name: 'Password' }).fill('relay-pass');
    await page.getByRole('textbox', { name: 'From' }).fill('scim-console@contoso.com');
    await page.getByRole('button', { name: 'Save relay' }).click();
    await page.getByText('Stored. Leave empty to keep it.').waitFor();
    await page.getByRole('textbox', { name: 'Send a test email to' }).fill('ops@contoso.com');
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page
      .getByRole('status')
      .getByText(/^Sent: accepted by 127\.0\.0\.1:/)
      .waitFor();
    const mail = JSON.parse((await lines.next()).value);
    assert.deepEqual(mail.to, ['ops@contoso.com']);
    assert.equal(mail.user, 'relay-user');
    assert.match(mail.data, /Subject: \[SCIM Console\] Test email/);
    await page.screenshot({ path: join(artifacts, '52-email-relay.png'), fullPage: true });
    await checkAccessible(page, 'the email settings');
  } finally {
    smtp.kill();
  }
});

// Five journeys of a new admin, in the browser against a real `scim-console serve` (issue 34):
// create a configuration, edit and test its mapping, rotate and revoke tokens, find one person's
// failures among ~50 requests, and visit every page at 1440 and 800 pixels — one h1, nothing
// wider than the window, no axe violation of any impact, no console error anywhere.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminApi, checkLayout, checkNoViolations, consoleErrors, planText, scim, startSession } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let session;
let server;
let page;
let errors;

before(async () => {
  session = await startSession();
  ({ server, page } = session);
  errors = consoleErrors(page);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(server.adminLink);
});

after(async () => {
  await session?.stop();
});

const api = (method, path, body) => adminApi(server, method, path, body);
/** A screenshot: the whole page, or (`fullPage` false) the window as the admin sees it. */
const shot = (name, fullPage = true) => page.screenshot({ path: join(artifacts, `journey-${name}.png`), fullPage });
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The configuration the journeys share, created in the first. */
const made = {};

test('journey 1: a configuration is created and listed with its health', async () => {
  await page.getByRole('button', { name: 'Configure provisioning' }).first().click();
  const drawer = page.getByRole('dialog');
  await drawer.getByLabel('Name').fill('Contoso HR');
  await drawer.getByRole('combobox', { name: 'Identity provider' }).click();
  await page.getByRole('option', { name: 'Microsoft Entra ID' }).click();
  await drawer.getByRole('button', { name: 'Add' }).click();
  made.token = (await drawer.getByTestId('new-token').textContent()).trim();
  made.base = (await drawer.getByTestId('new-base-url').textContent()).trim();
  // This console listens on 127.0.0.1: its endpoint is not presented as a Tenant URL.
  await drawer.getByTestId('endpoint-reach').getByText('Reachable only from this machine').waitFor();
  assert.match(await drawer.getByTestId('endpoint-reach').textContent(), /pilot runs, the sample tester/);
  await drawer.getByTestId('endpoint-reach').getByRole('link', { name: 'Deploy a console' }).waitFor();
  await drawer.getByRole('button', { name: 'Done' }).click();
  await drawer.waitFor({ state: 'detached' });
  const [contoso] = (await api('GET', '/api/configurations')).filter((c) => c.name === 'Contoso HR');
  made.id = contoso.id;

  const table = page.getByRole('table', { name: 'SCIM configurations' });
  const row = table.getByRole('row').filter({ hasText: 'Contoso HR' });
  await row.getByTestId('health-state').getByText('healthy').waitFor();
  await row.getByText('never').first().waitFor();
  // The table sorts by a column and filters on its text.
  await table.getByRole('button', { name: 'Name' }).click();
  assert.equal(await table.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), 'descending');
  await page.getByRole('textbox', { name: 'Filter scim configurations' }).fill('contoso');
  assert.equal(await table.getByRole('link').count(), 1);
  await shot('1-configurations');
  await page.getByRole('textbox', { name: 'Filter scim configurations' }).fill('');
  // The Connection tab says the same, and its link opens the guide to deploying a console.
  await page.goto(`${server.origin}/configurations/${made.id}/connection`);
  await page.getByTestId('endpoint-reach').getByRole('link', { name: 'Deploy a console' }).click();
  await page.getByRole('heading', { level: 1, name: 'Deploy a console' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Deploying a console identity providers can reach' }).waitFor();
  await page.goBack();
  await page.getByTestId('base-url').waitFor();
});

test('journey 2: an empty mapping tab is quiet; a template is saved; a rule is edited in its pane, its expression tried as typed; the JSON view completes and underlines from the schema', async () => {
  await page.goto(`${server.origin}/configurations/${made.id}/mapping`);
  await page.getByTestId('validation-status').getByText('Nothing to check yet').waitFor();
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.getByRole('menuitem').first().click();
  await page.getByTestId('validation-status').getByText('Valid').waitFor();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await page.getByText(/^Version 1, saved/).waitFor();
  const saved = await api('GET', `/api/configurations/${made.id}/mapping`);
  assert.equal(saved.version, 1);
  // The rules are a compact list; a rule opens in a side pane. An Entra expression starts as
  // `[value]` and is tried on a test value as it is typed.
  const rules = page.getByRole('table', { name: 'Rules form table' });
  await rules.getByText('userName ← userName').waitFor();
  await rules.getByRole('button', { name: 'Edit rule 1', exact: true }).click();
  const pane = page.getByRole('dialog', { name: /^Edit rule 1/ });
  await pane.getByRole('button', { name: '+ Entra expression' }).click();
  const expression = pane.getByRole('textbox', { name: 'Expression of rule 1', exact: true });
  assert.equal(await expression.inputValue(), '[value]');
  await pane.getByTestId('expression-result').getByText('→ "en-US"').waitFor();
  await expression.fill('Item(Split([value], "-"), 1)');
  await pane.getByTestId('expression-result').getByText('→ "en"').waitFor();
  await expression.fill('Splt([value])');
  await pane.getByTestId('expression-result').getByText(/Split/).waitFor();
  await shot('2-mapping-rule-pane', false);
  await checkNoViolations(page, 'the rule pane');
  // Walks to the next rule, and back to the list, where the expression shows on its row.
  await pane.getByRole('button', { name: 'Next rule' }).click();
  await page.getByRole('dialog', { name: /^Edit rule 2/ }).waitFor();
  await page.getByRole('button', { name: 'Previous rule' }).click();
  await pane.getByRole('button', { name: 'Remove the expression of rule 1' }).click();
  await pane.getByRole('button', { name: 'Back to the list' }).click();
  await pane.waitFor({ state: 'detached' });
  await page.getByTestId('validation-status').getByText('Valid').waitFor();

  // The JSON view is a code editor that knows the plan's schema: completion of its keys, an
  // unknown value underlined where it is, folding.
  await page.getByText('JSON', { exact: true }).click();
  const editor = page.getByRole('textbox', { name: 'Plan (JSON)' });
  const text = await planText(page);
  await editor.fill(text.replace('"mode": "enforce"', '"mode": "sometimes"'));
  await page.getByTestId('validation-status').getByText(/error/).waitFor();
  // The server's finding names the place; the editor underlines it on its line.
  await page.getByRole('table', { name: 'Validation findings' }).getByText('/mode', { exact: true }).waitFor();
  const line = page.getByTestId('plan-editor').locator('.cm-line', { hasText: '"sometimes"' });
  const underlined = line.locator('.cm-lintRange-error');
  await underlined.first().waitFor();
  await underlined.first().hover();
  const tip = page.locator('.cm-tooltip-lint, .cm-tooltip-hover').first();
  await tip.waitFor();
  // What is wrong, and the schema's description of each allowed value.
  const said = await tip.textContent();
  assert.match(said, /sometimes in mode to be one of \["enforce","warnOnly"\]/);
  assert.match(said, /warnOnly: A failed validator is recorded as a warning/);
  await editor.fill('{}');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('"');
  await page.keyboard.press('Control+Space');
  const completion = page.locator('.cm-tooltip-autocomplete');
  for (const key of ['fields', 'rules', 'matching', 'scoping', 'mode', 'unsupported']) {
    await completion.getByText(key, { exact: true }).first().waitFor();
  }
  // Choosing one inserts the key.
  await completion.getByText('mode', { exact: true }).first().click();
  await page.getByTestId('plan-editor').locator('.cm-line', { hasText: '"mode"' }).waitFor();
  await shot('2-mapping-json-completion');
  await checkNoViolations(page, 'the JSON view with its completion open');
  await page.keyboard.press('Escape');
  await editor.fill(text);
  await page.getByTestId('validation-status').getByText('Valid').waitFor();
  const folds = page.getByTestId('plan-editor').locator('.cm-foldGutter .cm-gutterElement span');
  await folds.nth(1).click();
  await page.getByTestId('plan-editor').locator('.cm-foldPlaceholder').first().waitFor();
  await page.getByText('Form', { exact: true }).click();
  await shot('2-mapping');
});

test('journey 3: a rotation keeps the old token until a grace end it shows, linked to its successor', async () => {
  await api('PATCH', `/api/configurations/${made.id}`, { tokenPolicy: { rotationGraceHours: 24 } });
  await page.goto(`${server.origin}/configurations/${made.id}/tokens`);
  const tokens = page.getByRole('table', { name: 'Tokens' });
  await tokens.getByRole('button', { name: 'Rotate' }).first().click();
  const dialog = page.getByRole('dialog', { name: /^Rotate/ });
  // The grace window starts at the policy's.
  const grace = dialog.getByLabel('Grace window');
  assert.equal(await grace.inputValue(), '86400');
  assert.match(await grace.locator('option:checked').textContent(), /24 hours \(the token policy's\)/);
  await dialog.getByRole('button', { name: 'Rotate' }).click();
  await page.getByTestId('issued-token').waitFor();
  await page.getByRole('button', { name: 'I have copied it' }).click();
  const old = tokens.getByRole('row').filter({ has: page.getByTestId('replaced-by') });
  await old.getByText(/^grace ends /).waitFor();
  assert.doesNotMatch(await old.getByTestId('token-end').textContent(), /never/);
  // The state badge is whole, not cut off.
  const badge = old.locator('.mantine-Badge-label').first();
  assert.equal((await badge.textContent()).trim().toLowerCase(), 'grace window');
  assert.ok(await badge.evaluate((b) => b.scrollWidth <= b.clientWidth + 1), 'the badge is cut off');
  await tokens.getByTestId('replaces').first().waitFor();
  await shot('3-tokens-rotated');
  // Revoking the successor: it says when.
  const successor = tokens.getByRole('row').filter({ has: page.getByTestId('replaces') });
  await successor.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await successor.getByText(/^revoked /).waitFor();
  // A new token for the journeys that follow.
  const issued = await api('POST', `/api/configurations/${made.id}/tokens`, { label: 'journeys' });
  made.token = issued.token;
});

test("journey 4: one person's failures are found among 50 requests, from the list, the log and Monitoring", async () => {
  // As an identity provider does, a request answered 429 or 503 (a busy machine) is sent again.
  const call = async (method, path, body) => {
    for (let attempt = 0; ; attempt++) {
      const answer = await scim(made.base, made.token, method, path, body);
      if (![429, 503].includes(answer.status) || attempt === 5) return answer;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  await api('POST', `/api/configurations/${made.id}/alerts`, {
    name: 'Failures',
    condition: { kind: 'failureRate', percent: 5, minutes: 15, minRequests: 5 },
  });
  const carol = await call('POST', '/Users', {
    schemas: [USER],
    userName: 'carol@contoso.example',
    externalId: 'c-77',
    emails: [{ type: 'work', value: 'carol@contoso.example', primary: true }],
    active: true,
  });
  assert.equal(carol.status, 201, JSON.stringify(carol.body));
  for (let i = 0; i < 40; i++) {
    const r = await call('POST', '/Users', { schemas: [USER], userName: `user${i}@contoso.example`, active: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  for (let i = 0; i < 6; i++)
    assert.equal((await call('GET', `/Users?filter=userName eq "user${i}@contoso.example"`)).status, 200);
  // Three refused disables of carol: a PATCH that names only her id.
  for (let i = 0; i < 3; i++) {
    const refused = await call('PATCH', `/Users/${carol.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'disable', path: 'active', value: false }],
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
  }
  for (let i = 0; i < 100; i++) {
    const { entries } = await api('GET', `/api/logs?configuration=${made.id}&limit=100`);
    if (entries.length >= 50) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await api('POST', '/api/alerts/evaluate');

  // The list: not healthy, the alert named.
  await page.goto(server.origin);
  const row = page
    .getByRole('table', { name: 'SCIM configurations' })
    .getByRole('row')
    .filter({ hasText: 'Contoso HR' });
  await row.getByText('1 alert firing').waitFor();
  assert.notEqual((await row.getByTestId('health-state').textContent()).trim(), 'healthy');
  await shot('4a-list-alert-firing');

  // The log: her name and "failure" find the three refused PATCHes.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Provisioning logs' }).click();
  await page.getByRole('textbox', { name: 'Search' }).fill('carol');
  await page.getByRole('combobox', { name: 'Outcome' }).click();
  await page.getByRole('option', { name: 'failure' }).click();
  const log = page.getByRole('table', { name: 'Provisioning log' });
  await log.getByRole('row').filter({ hasText: 'PATCH' }).nth(2).waitFor();
  assert.equal(await log.locator('[data-seq]').count(), 3);
  await log.locator('[data-seq]').first().click();
  const detail = page.getByRole('dialog', { name: 'Log entry' });
  await detail.getByText('carol@contoso.example').first().waitFor();
  await detail.getByTestId('json-response-body').waitFor();
  assert.match(page.url(), /[?&]entry=\d+/);
  const seq = new URL(page.url()).searchParams.get('entry');
  await shot('4b-log-record');
  // Back closes the record; its address opens it again.
  await page.goBack();
  await detail.waitFor({ state: 'detached' });
  await page.goto(`${server.origin}/logs?entry=${seq}`);
  await page.getByRole('dialog', { name: 'Log entry' }).getByText('carol@contoso.example').first().waitFor();
  // From the record to all of her events, then to her directory entry and its history.
  await page.getByRole('link', { name: 'all events of this resource' }).click();
  await page.getByText(/Only the records of resource/).waitFor();
  await log.locator('[data-seq]').nth(3).waitFor();
  await page.goto(`${server.origin}/logs?entry=${seq}`);
  await page.getByRole('dialog', { name: 'Log entry' }).getByRole('link', { name: 'carol@contoso.example' }).click();
  const history = page.getByRole('dialog', { name: 'User' }).getByTestId('resource-history');
  await history.getByText('failure 400').first().waitFor();
  await shot('4c-directory-history');
  await page.keyboard.press('Escape');

  // The directory is ordered by the server (it pages by key): by name, or by creation, either way.
  await page.goto(`${server.origin}/configurations/${made.id}/directory`);
  const users = page.getByRole('table', { name: 'Users' });
  const first = (name) =>
    users.getByRole('row').nth(1).getByRole('button', { name, exact: true }).waitFor({ timeout: 10_000 });
  await first('carol@contoso.example');
  await users.getByRole('button', { name: 'userName' }).click();
  await first('user9@contoso.example');
  assert.equal(await users.getByRole('columnheader', { name: 'userName' }).getAttribute('aria-sort'), 'descending');
  await page.getByRole('button', { name: 'Choose the columns of users' }).click();
  await page.getByRole('checkbox', { name: 'Created' }).click();
  await page.keyboard.press('Escape');
  await users.getByRole('button', { name: 'Created' }).click();
  await first('carol@contoso.example');
  await users.getByRole('button', { name: 'Created' }).click();
  await first('user39@contoso.example');
  assert.equal(await users.getByRole('columnheader', { name: 'Created' }).getAttribute('aria-sort'), 'descending');
  await shot('4e-directory-newest-first');

  // The log oldest first (the time's header), with a chosen column kept for the next visit.
  await page.goto(`${server.origin}/logs?configuration=${made.id}`);
  const oldest = (await api('GET', `/api/logs?configuration=${made.id}&after=0&limit=1`)).entries[0];
  await log.locator('[data-seq]').first().waitFor();
  assert.equal(await log.getByRole('columnheader', { name: 'Time' }).getAttribute('aria-sort'), 'descending');
  await log.getByRole('button', { name: 'Time' }).click();
  await log.locator(`[data-seq="${oldest.seq}"][aria-rowindex="2"]`).waitFor();
  assert.equal(await log.getByRole('columnheader', { name: 'Time' }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('button', { name: 'Choose the columns of provisioning log' }).click();
  await page.getByRole('checkbox', { name: 'Error' }).click();
  await page.getByRole('checkbox', { name: 'Client' }).click();
  await page.keyboard.press('Escape');
  await log.getByRole('columnheader', { name: 'Error' }).waitFor();
  assert.equal(await log.getByRole('columnheader', { name: 'Client' }).count(), 0);
  await shot('4f-log-oldest-first-with-errors');
  await page.reload();
  await log.getByRole('columnheader', { name: 'Error' }).waitFor();
  assert.equal(await log.getByRole('columnheader', { name: 'Client' }).count(), 0);
  assert.equal(await log.getByRole('columnheader', { name: 'Time' }).getAttribute('aria-sort'), 'descending');
  // Back to the columns everyone else starts with.
  await page.getByRole('button', { name: 'Choose the columns of provisioning log' }).click();
  await page.getByRole('checkbox', { name: 'Error' }).click();
  await page.getByRole('checkbox', { name: 'Client' }).click();
  await page.keyboard.press('Escape');

  // A custom range that ends before the requests finds none of them.
  await page.goto(`${server.origin}/logs?configuration=${made.id}`);
  await page.getByRole('combobox', { name: 'Time' }).click();
  await page.getByRole('option', { name: 'From … to …' }).click();
  await page.getByLabel('From', { exact: true }).fill('2026-01-01T00:00');
  await page.getByLabel('To', { exact: true }).fill('2026-01-02T00:00');
  await page.getByText('No request recorded yet').waitFor();

  // Monitoring: the most frequent error opens the matching search.
  await page.goto(`${server.origin}/configurations/${made.id}/monitoring`);
  const top = page.getByRole('table', { name: 'Most frequent errors' });
  await top.getByRole('link').first().click();
  await page.waitForURL(/\/logs\?.*outcome=failure/);
  await log.locator('[data-seq]').nth(2).waitFor();
  await shot('4d-top-error-search');
});

/** Every page the navigation offers, and each tab of a configuration. */
function pages() {
  const tabs = ['connection', 'tokens', 'mapping', 'directory', 'logs', 'monitoring', 'alerts', 'policy'];
  return [
    '/',
    ...tabs.map((t) => `/configurations/${made.id}/${t}`),
    '/logs',
    '/monitoring',
    '/alerts',
    '/targets',
    '/pilot',
    '/conformance',
    '/audit',
    '/administrators',
    '/settings',
    '/account',
    '/deploy',
  ];
}

test('journey 5: every page at 1440 and 800 pixels has one h1, fits the window, and has no axe violation', async () => {
  for (const width of [1440, 800]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of pages()) {
      await page.goto(`${server.origin}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const where = `${path} at ${width} px`;
      await checkLayout(page, where);
      await checkNoViolations(page, where);
    }
    await page.goto(server.origin);
    await shot(`5-home-${width}`);
  }
  // At 800 pixels the navigation is behind its button.
  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Alerts' }).click();
  await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('no console error in any journey', () => {
  assert.deepEqual(errors, []);
});

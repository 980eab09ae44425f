// The admin UI end to end: a real `scim-console serve` (temporary data folder), the built UI it
// embeds, Debian's Chromium driven by playwright-core, and an identity provider's requests over
// real HTTP. Screenshots of every page go to $E2E_ARTIFACTS (default target/e2e-artifacts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { binary, checkAccessible, planText, scim, startBrowser, startConsole } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let server;
let browser;
let context;
let page;
/** What the steps hand on to each other. */
const state = {};

async function shot(name) {
  await page.waitForTimeout(150);
  await page.screenshot({
    path: join(artifacts, `${name}.png`),
    fullPage: true,
  });
}

/** Runs axe-core on the page; fails on serious and critical violations. */
async function accessible(where) {
  await checkAccessible(page, where);
}

async function tab(name) {
  await page.getByRole('tab', { name, exact: true }).click();
}

before(async () => {
  server = await startConsole();
  browser = await startBrowser();
  context = await browser.newContext({
    viewport: { width: 1360, height: 900 },
    bypassCSP: true,
    colorScheme: 'light',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: server.origin,
  });
  page = await context.newPage();
  page.on('pageerror', (e) => {
    state.pageErrors = [...(state.pageErrors ?? []), String(e)];
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('without a session the UI asks for the admin link', async () => {
  await page.goto(`${server.origin}/`);
  await page.getByRole('heading', { name: 'Sign in to SCIM Console' }).waitFor();
  await shot('00-sign-in');
  await accessible('the sign-in page');
});

test('the admin link opens a session and lands on the configurations', async () => {
  await page.goto(server.adminLink);
  await page.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  await page.getByRole('link', { name: 'default' }).waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'scim_console_session');
  assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Strict');
  await shot('01-configurations');
  await accessible('the configurations page');
});

test('configure provisioning shows the base URL and the token once, and copies them', async () => {
  await page.getByRole('button', { name: 'Configure provisioning' }).first().click();
  const drawer = page.getByRole('dialog');
  await drawer.getByRole('button', { name: 'Add' }).click();
  await drawer.getByText('Give the configuration a name').waitFor();
  await drawer.getByLabel('Name').fill('Entra ID production');
  await drawer.getByLabel('Description').fill('Tenant contoso.example');
  await drawer.getByLabel('Protected accounts').fill('admin@contoso.example');
  await drawer.getByLabel('Protected accounts').press('Enter');
  await drawer.getByRole('button', { name: 'Add' }).click();
  const token = (await drawer.getByTestId('new-token').textContent()).trim();
  const baseUrl = (await drawer.getByTestId('new-base-url').textContent()).trim();
  assert.match(token, /^scim_[a-z0-9]{8}_/);
  assert.match(baseUrl, new RegExp(`^${server.origin}/scim/[a-z0-9-]+/v2$`));
  await drawer.getByRole('button', { name: 'Copy bearer token' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  await drawer.getByRole('button', { name: 'Copy scim base url' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), baseUrl);
  await drawer.getByRole('tab', { name: 'Okta' }).click();
  await drawer.getByText('SCIM connector base URL').waitFor();
  await shot('02-configure-provisioning');
  await accessible('the configure drawer');
  await drawer.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('link', { name: 'Entra ID production' }).waitFor();
  Object.assign(state, { token, baseUrl });
});

test('a user provisioned over SCIM appears in the live log and the directory', async () => {
  await page.getByRole('link', { name: 'Entra ID production' }).click();
  await tab('Provisioning logs');
  await page.getByTestId('live-status').getByText('following new requests').waitFor();
  // As Entra ID does: the query for the user first, then the create.
  const query = await scim(
    state.baseUrl,
    state.token,
    'GET',
    '/Users?filter=userName%20eq%20%22ada.lovelace%40contoso.example%22',
  );
  assert.equal(query.status, 200);
  const created = await scim(state.baseUrl, state.token, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ada.lovelace@contoso.example',
    externalId: 'ada',
    active: true,
    displayName: 'Ada Lovelace',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ type: 'work', value: 'ada.lovelace@contoso.example', primary: true }],
  });
  assert.equal(created.status, 201);
  const row = page.getByRole('row').filter({ hasText: 'POST' }).filter({ hasText: '/Users' });
  await row.first().waitFor({ timeout: 15_000 });
  await page.getByRole('row').filter({ hasText: 'query' }).first().waitFor();
  await shot('03-live-log');
  await accessible('the provisioning log');
  await row.first().click();
  const detail = page.getByRole('dialog');
  await detail.getByText('Request body').waitFor();
  await detail.getByText('ada.lovelace@contoso.example').first().waitFor();
  await shot('04-log-entry');
  await page.keyboard.press('Escape');

  await tab('Directory');
  const user = page.getByRole('button', {
    name: 'ada.lovelace@contoso.example',
  });
  await user.waitFor();
  await page.getByText('SCIM', { exact: true }).first().waitFor();
  await user.click();
  // The drawer opens on the user's provisioning history; its JSON is a tab away.
  const drawer = page.getByRole('dialog', { name: 'User' });
  await drawer.getByTestId('resource-history').waitFor();
  await drawer.getByRole('tab', { name: 'JSON' }).click();
  const json = await page.getByTestId('resource-json').textContent();
  assert.match(json, /"externalId": "ada"/);
  await shot('05-directory');
  await page.keyboard.press('Escape');
  await accessible('the directory');
});

test('rotating the token shows the new one once; the old one stops', async () => {
  await tab('Tokens');
  await page.getByRole('button', { name: 'Rotate' }).first().click();
  const dialog = page.getByRole('dialog');
  // Without a policy the grace window starts at 24 hours; none stops the old token at once.
  assert.equal(await dialog.getByLabel('Grace window').inputValue(), '86400');
  await dialog.getByLabel('Grace window').selectOption('0');
  await dialog.getByRole('button', { name: 'Rotate' }).click();
  const fresh = (await page.getByTestId('issued-token').textContent()).trim();
  assert.notEqual(fresh, state.token);
  await shot('06-token-rotated');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  assert.equal((await scim(state.baseUrl, state.token, 'GET', '/Users')).status, 401);
  assert.equal((await scim(state.baseUrl, fresh, 'GET', '/Users')).status, 200);
  await page.getByText('revoked').first().waitFor();
  await shot('07-tokens');
  await accessible('the tokens tab');
  state.token = fresh;
  // The refused request is counted, not recorded: the log's "Refused credentials" tab shows it
  // with the revoked token's prefix; a request without a token is counted apart.
  assert.equal((await scim(state.baseUrl, '', 'GET', '/Users')).status, 401);
  await tab('Provisioning logs');
  await tab('Refused credentials');
  const refused = page.getByRole('table', { name: 'Refused requests' });
  await refused
    .getByRole('row')
    .filter({ hasText: 'revoked token' })
    .filter({ hasText: 'scim_' })
    .waitFor({ timeout: 15_000 });
  await refused.getByRole('row').filter({ hasText: 'no token' }).waitFor({ timeout: 15_000 });
  await shot('07b-refused');
  await accessible('the refused requests');
  await tab('Requests');
});

test('editing the mapping plan: validation fails, then passes, and the plan saves', async () => {
  // Provisioned before any plan, with a work phone the default plan's E.164 validator refuses.
  const grace = await scim(state.baseUrl, state.token, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'grace.hopper@contoso.example',
    active: true,
    phoneNumbers: [{ type: 'work', value: '425 555 0100' }],
  });
  assert.equal(grace.status, 201, JSON.stringify(grace.body));
  state.grace = grace.body.id;
  await tab('Mapping');
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.getByRole('menuitem', { name: 'Default (SCIM core User)' }).click();
  const status = page.getByTestId('validation-status');
  await status.getByText('Valid').waitFor();
  // The form: a rule aimed at a field the plan does not have fails validation (said in its
  // pane), then passes.
  await page.getByRole('button', { name: 'Edit rule 1', exact: true }).click();
  const target = page.getByRole('combobox', { name: 'Target field of rule 1', exact: true });
  await target.fill('noSuchField');
  await status.getByText(/error/).waitFor();
  await page
    .getByRole('dialog', { name: /^Edit rule 1/ })
    .getByTestId('errors-rules-0')
    .waitFor();
  await shot('08a-mapping-form-invalid');
  await target.fill('userName');
  await status.getByText('Valid').waitFor();
  await page.getByRole('button', { name: 'Back to the list' }).click();
  await page.getByText('JSON', { exact: true }).click();
  const editor = page.getByRole('textbox', { name: 'Plan (JSON)' });
  const good = await planText(page);
  const plan = JSON.parse(good);
  plan.rules[0].target = 'noSuchField';
  await editor.fill(JSON.stringify(plan, null, 2));
  await status.getByText(/error/).waitFor();
  await page.getByRole('table', { name: 'Validation findings' }).getByText('/rules/0').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save plan' }).isDisabled(), true);
  await shot('08-mapping-invalid');
  await editor.fill('{ "fields": [');
  await status.getByText('Not JSON').waitFor();
  // A bad expression in rule 8 is shown on rule 8's row, numbered as the form numbers it, and
  // the page scrolls there.
  const bad = JSON.parse(good);
  bad.rules[7].transforms = [{ kind: 'expression', expression: 'Join(' }];
  await editor.fill(JSON.stringify(bad, null, 2));
  await status.getByText(/error/).waitFor();
  await page
    .getByRole('table', { name: 'Validation findings' })
    .getByText(/^rule 8, transform 1/)
    .first()
    .waitFor();
  await page.getByText('Form', { exact: true }).click();
  await page.locator('[data-plan-row="rules/7"][data-invalid="true"]').first().waitFor();
  const onRow = page.getByTestId('errors-rules-7');
  await onRow.getByText(/^rule 8, transform 1/).waitFor();
  await page.waitForFunction(() => {
    const row = document.querySelector('[data-plan-row="rules/7"]');
    if (!row) return false;
    const box = row.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
  await shot('08c-mapping-error-on-its-row');
  // Unsaved edits survive a tab switch.
  await tab('Tokens');
  await tab('Mapping');
  await onRow.waitFor();
  await page.getByText('JSON', { exact: true }).click();
  await editor.fill(good);
  await status.getByText('Valid').waitFor();
  // A custom field marked secret: the form's checkbox lands in the plan, which stays valid.
  await page.getByText('Form', { exact: true }).click();
  await page.getByRole('button', { name: 'Add field' }).click();
  await page
    .getByRole('textbox', { name: /^Name of field/ })
    .last()
    .fill('pin');
  await page.getByLabel(/holds a secret/).check();
  await status.getByText('Valid').waitFor();
  await page.getByText('JSON', { exact: true }).click();
  const withSecret = JSON.parse(await planText(page));
  assert.deepEqual(
    withSecret.fields.filter((f) => f.secret),
    [{ name: 'pin', type: 'string', custom: true, secret: true, description: '', validators: [] }],
  );
  await page.getByLabel('Why it changes').fill('start from the default plan');
  await page.getByRole('button', { name: 'Save plan' }).click();
  // The plan's effect on the directory first: one stored user fails it.
  const impact = page.getByRole('dialog', { name: 'Existing users would fail this plan' });
  await impact
    .getByTestId('plan-impact')
    .getByText(/^1 of 2 existing users would fail this plan/)
    .waitFor();
  await impact.getByText('grace.hopper@contoso.example').waitFor();
  await shot('08b-mapping-impact');
  await accessible('the plan impact dialog');
  await impact.getByRole('button', { name: 'Save anyway' }).click();
  await page.getByText('Saved as version 1').waitFor();
  // Entra ID's disable of that user still goes through.
  const disabled = await scim(state.baseUrl, state.token, 'PATCH', `/Users/${state.grace}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(disabled.body.active, false);
  // The secret field is write-only for identity providers.
  const slug = state.baseUrl.split('/scim/')[1].split('/')[0];
  const extension = await scim(
    state.baseUrl,
    state.token,
    'GET',
    `/Schemas/urn:scim-console:params:scim:schemas:extension:${slug}:2.0:User`,
  );
  assert.equal(extension.status, 200, JSON.stringify(extension.body));
  assert.deepEqual(
    extension.body.attributes.map((a) => [a.name, a.mutability, a.returned]),
    [['pin', 'writeOnly', 'never']],
  );
  await shot('09-mapping-saved');
  await accessible('the mapping editor');

  await page.getByRole('tab', { name: 'Sample tester' }).click();
  await page.getByRole('button', { name: 'Test sample' }).click();
  await page.getByTestId('sample-verdict').waitFor();
  await page.getByRole('table', { name: 'Field results' }).getByText('userName').first().waitFor();
  await shot('10-sample-tester');
});

test('every template loads, validates, saves, and runs in both sample modes', async () => {
  await page.getByRole('tab', { name: 'Editor' }).click();
  const status = page.getByTestId('validation-status');
  let version = 1;
  for (const template of ['Microsoft Entra ID', 'Okta', 'OneLogin', 'Google', 'Default (SCIM core User)']) {
    await page.getByRole('tab', { name: 'Editor' }).click();
    await page.getByRole('button', { name: 'Templates' }).click();
    await page.getByRole('menuitem', { name: template }).click();
    await status.getByText('Valid').waitFor();
    assert.equal(await page.getByText('Template not loaded').count(), 0, `${template} loaded`);
    await page.getByLabel('Why it changes').fill(`the ${template} template`);
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page
      .getByRole('dialog', { name: 'Existing users would fail this plan' })
      .getByRole('button', { name: 'Save anyway' })
      .click();
    version += 1;
    await page.getByText(`Saved as version ${version}`).waitFor();
    await shot(`09-template-${template.split(' ')[0].toLowerCase()}`);
    await page.getByRole('tab', { name: 'Sample tester' }).click();
    const kinds = template.startsWith('Default')
      ? ['SCIM User (as sent)']
      : ['SCIM User (as sent)', 'IdP user (userPrincipalName, …)'];
    for (const kind of kinds) {
      await page.getByRole('radiogroup', { name: 'Sample kind' }).getByText(kind).click();
      await page.getByRole('button', { name: 'Test sample' }).click();
      await page.getByTestId('sample-verdict').waitFor();
      assert.equal(
        await page
          .getByRole('alert')
          .filter({ hasText: /provider side|deserialize/ })
          .count(),
        0,
        `${template}: ${kind}`,
      );
      await page.getByRole('table', { name: 'Field results' }).getByText('userName').first().waitFor();
    }
    // Back to the SCIM sample for the next template.
    await page.getByRole('radiogroup', { name: 'Sample kind' }).getByText('SCIM User (as sent)').click();
  }
  // The version history records how many stored users failed each version when it was saved.
  await page.getByRole('tab', { name: 'Version history' }).click();
  const latest = page.getByRole('row').filter({ hasText: 'the Default (SCIM core User) template' });
  await latest.getByRole('cell', { name: '1', exact: true }).waitFor();
  await shot('09z-mapping-versions');
  // The leaver is deleted: DELETE goes through whatever the plan says.
  assert.equal((await scim(state.baseUrl, state.token, 'DELETE', `/Users/${state.grace}`)).status, 204);
  await page.getByRole('tab', { name: 'Editor' }).click();
});

test('switching the endpoint off asks first, naming the configuration; switching on does not', async () => {
  const endpoint = page.getByRole('switch', { name: 'Endpoint answers' });
  await endpoint.click({ force: true });
  const dialog = page.getByRole('dialog', { name: /Switch off the endpoint of Entra ID production/ });
  await dialog.waitFor();
  await shot('11c-endpoint-off-confirm');
  await accessible('the endpoint switch-off dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await endpoint.isChecked(), true, 'cancel leaves the endpoint answering');
  assert.equal((await scim(state.baseUrl, state.token, 'GET', '/Users?count=1')).status, 200);
  await endpoint.click({ force: true });
  await dialog.getByRole('button', { name: 'Switch off' }).click();
  const off = page.getByRole('switch', { name: 'Endpoint off' });
  await off.waitFor();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await scim(state.baseUrl, state.token, 'GET', '/Users?count=1')).status, 403);
  await off.click({ force: true });
  await endpoint.waitFor();
  assert.equal(await page.getByRole('dialog').count(), 0, 'switching on asks nothing');
  assert.equal((await scim(state.baseUrl, state.token, 'GET', '/Users?count=1')).status, 200);
});

test('test connection calls the endpoint as an identity provider', async () => {
  await tab('Connection');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const verdict = page.getByTestId('connection-verdict');
  await verdict.waitFor({ timeout: 30_000 });
  assert.equal((await verdict.textContent()).trim(), 'Connection works');
  await shot('11-connection');
  await accessible('the connection tab');
});

test('the policy tab shows the client profile and its switches, and saving applies them', async () => {
  await tab('Policy & compatibility');
  const strings = page.getByRole('switch', { name: /String booleans/ });
  await strings.waitFor();
  assert.equal(await strings.isChecked(), true, 'a configuration without an IdP accepts string booleans');
  for (const name of [/Unquoted filter strings/, /Manager as a bare id/]) {
    assert.equal(await page.getByRole('switch', { name }).isChecked(), true, `${name} is on in rfc`);
  }
  await page.getByText(/Entra ID disables users with "active": "False"/).waitFor();
  await shot('11b-policy-compatibility');
  await accessible('the policy and compatibility tab');
  await strings.click({ force: true });
  await page.getByText('overridden · rfc has on').waitFor();
  await page.getByRole('button', { name: 'Save client profile' }).click();
  await page.getByText('Client profile saved').waitFor();
  // The endpoint now refuses Entra's string boolean for this configuration.
  const created = await scim(state.baseUrl, state.token, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'strict@contoso.example',
    active: 'True',
  });
  assert.equal(created.status, 400, JSON.stringify(created.body));
  // The strict profile: every switch off, and the endpoint claims interopProfileConformant.
  await page.getByRole('combobox', { name: 'Client profile' }).click();
  await page.getByRole('option', { name: /Strict/ }).click();
  await page.getByText('interopProfileConformant: true').waitFor();
  // Real clients' forms are switched off with the rest: unquoted filter strings, the bare manager id.
  for (const name of [/Unquoted filter strings/, /Manager as a bare id/]) {
    assert.equal(await page.getByRole('switch', { name }).isChecked(), false, `${name} is off in strict`);
  }
  await page.getByRole('button', { name: 'Save client profile' }).click();
  // Nothing left to save and no request running (while one runs the button is disabled too).
  await page
    .getByRole('button', { name: 'Save client profile' })
    .and(page.locator('[data-disabled]:not([data-loading])'))
    .waitFor();
  const spc = await scim(state.baseUrl, state.token, 'GET', '/ServiceProviderConfig');
  assert.equal(spc.body.interopProfileConformant, true, JSON.stringify(spc.body));
  // Back to RFC, which the later tests rely on.
  await page.getByRole('combobox', { name: 'Client profile' }).click();
  await page.getByRole('option', { name: /RFC 7644/ }).click();
  await page.getByRole('button', { name: 'Save client profile' }).click();
  // Nothing left to save and no request running (while one runs the button is disabled too).
  await page
    .getByRole('button', { name: 'Save client profile' })
    .and(page.locator('[data-disabled]:not([data-loading])'))
    .waitFor();
  assert.equal(await strings.isChecked(), true);
});

test('monitoring, audit log and settings pages', async () => {
  await tab('Monitoring');
  await page.getByText('Requests', { exact: true }).first().waitFor();
  await page.getByRole('img', { name: /Requests, failures and writes/ }).waitFor();
  await page.getByRole('img', { name: /Mean latency per/ }).waitFor();
  await shot('12-configuration-monitoring');

  await page.getByRole('link', { name: 'Monitoring' }).click();
  await page.getByRole('heading', { name: 'Monitoring' }).waitFor();
  await page.getByRole('img', { name: /Requests, failures and writes/ }).waitFor();
  await shot('13-monitoring');
  await accessible('the monitoring page');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit-action').filter({ hasText: 'Token rotated' }).first().waitFor();
  await shot('14-audit');
  await accessible('the audit log');

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('cell', { name: server.dataDir, exact: true }).waitFor();
  await shot('15-settings');
  await accessible('the settings page');

  await page.getByRole('link', { name: 'Provisioning logs' }).click();
  await page.getByRole('row').filter({ hasText: '/Users' }).first().waitFor();
  await shot('16-logs');
});

test('a remote target is added, tested, and piloted into; the log shows the requests sent', async () => {
  const remote = await startConsole();
  try {
    const remoteBase = `${remote.origin}/scim/default/v2`;
    await page.getByRole('link', { name: 'Targets' }).click();
    await page.getByRole('heading', { name: 'No target yet' }).waitFor();
    await page.getByRole('button', { name: 'Add target' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Remote app');
    await dialog.getByLabel('SCIM base URL').fill(remoteBase);
    await dialog.getByLabel('Bearer token', { exact: false }).last().fill(remote.token);
    await accessible('the add-target dialog');
    await dialog.getByRole('button', { name: 'Add target' }).click();
    await page.getByRole('cell', { name: 'Remote app', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const verdict = page.getByTestId('target-verdict');
    await verdict.waitFor({ timeout: 30_000 });
    assert.equal((await verdict.textContent()).trim(), 'Connection works');
    await shot('18-targets');
    await accessible('the targets page');

    await page.getByRole('link', { name: 'Pilot runs' }).click();
    await page.getByLabel('Mapping plan of').first().click();
    await page.getByRole('option', { name: 'Entra ID production' }).click();
    await page
      .getByLabel('CSV users')
      .fill(
        'userPrincipalName,mail,givenName,surname,IsSoftDeleted\nada@contoso.example,ada@contoso.example,Ada,Lovelace,False\ngrace@contoso.example,grace@contoso.example,Grace,Hopper,False',
      );
    await page
      .getByLabel(/^Target/)
      .first()
      .click();
    await page.getByRole('option', { name: 'Remote app' }).click();
    await page.getByRole('button', { name: 'Start dry run' }).click();
    await page.getByTestId('pilot-state').waitFor({ timeout: 30_000 });
    await page.getByText('2 would create').waitFor();
    const before = await scim(remoteBase, remote.token, 'GET', '/Users?count=0');
    assert.equal(before.body.totalResults, 0, 'a dry run writes nothing');
    await page.getByLabel('Dry run: query the target, write nothing').uncheck();
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByText('2 created').waitFor({ timeout: 30_000 });
    const report = page.getByRole('table', { name: 'Pilot run report' });
    await report.getByText('grace@contoso.example').waitFor();
    await shot('19-pilot-run');
    await accessible('the pilot runs page');
    const after = await scim(
      remoteBase,
      remote.token,
      'GET',
      '/Users?filter=userName%20eq%20%22ada@contoso.example%22',
    );
    assert.equal(after.body.Resources[0].name.familyName, 'Lovelace');

    await page.getByRole('link', { name: 'provisioning log', exact: true }).click();
    await page.getByRole('row').filter({ hasText: '→ Remote app' }).first().waitFor();
    await shot('20-logs-outbound');
  } finally {
    await remote.stop();
  }
});

test('the conformance page checks the default configuration: read-only is incomplete, with writes every MUST passed', async () => {
  await page.getByRole('link', { name: 'Conformance' }).click();
  await page.getByRole('heading', { name: 'Conformance' }).waitFor();
  await page
    .getByLabel(/^Endpoint/)
    .first()
    .click();
  await page.getByRole('option', { name: 'default', exact: true }).click();
  // Read-only: the writing MUSTs are skipped, so the run is incomplete and says why.
  await page.getByRole('button', { name: 'Run the checks' }).click();
  const verdict = page.getByTestId('conformance-verdict');
  await verdict.waitFor({ timeout: 60_000 });
  assert.match((await verdict.textContent()).trim(), /^incomplete: \d+ of \d+ MUSTs checked, none failed$/);
  await page
    .getByTestId('result-leaver-never-active')
    .getByText(/run with writes allowed/)
    .waitFor();
  await shot('21a-conformance-incomplete');
  await page.getByLabel('Allow writes').check();
  await page.getByRole('button', { name: 'Run the checks' }).click();
  await page
    .getByTestId('conformance-verdict')
    .filter({ hasText: /^every MUST passed/ })
    .waitFor({ timeout: 60_000 });
  assert.match((await verdict.textContent()).trim(), /^every MUST passed \(\d+ of \d+ checked\)$/);
  await page.getByTestId('result-leaver-never-active').getByText('pass').waitFor();
  await page.getByTestId('result-removal-never-empties').getByText('pass').waitFor();
  await shot('21-conformance');
  await accessible('the conformance page');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'JUnit XML' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^scim-conformance-check_.*\.xml$/);
});

test('the dark theme, and signing out', async () => {
  await page.getByRole('link', { name: 'Configurations' }).click();
  await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
  await page.getByRole('button', { name: 'Switch to the light theme' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme')), 'dark');
  await shot('17-configurations-dark');
  await accessible('the configurations page, dark');
  // The admin token is nobody: its account page says so.
  await page.getByRole('button', { name: 'Signed in as Admin token' }).click();
  await page.getByRole('menuitem', { name: 'My account' }).click();
  await page.getByText("Signed in with the server's admin token").waitFor();
  await page.getByRole('button', { name: 'Signed in as Admin token' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to SCIM Console' }).waitFor();
  const api = await page.evaluate(async () => (await fetch('/api/configurations')).status);
  assert.equal(api, 401);
  assert.deepEqual(state.pageErrors ?? [], [], 'no script error on any page');
});

test("a one-time sign-in link opens an administrator's session with its role, once", async () => {
  const printed = execFileSync(
    binary(),
    [
      '--data-dir',
      server.dataDir,
      'admin',
      'create',
      '--email',
      'viewer@contoso.example',
      '--role',
      'viewer',
      '--url',
      server.origin,
    ],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
  ).toString();
  const link = /Sign-in link: (\S+)/.exec(printed)[1];
  assert.match(link, new RegExp(`^${server.origin}/sign-in#code=[A-Za-z0-9_-]{43}$`));
  const fresh = await browser.newContext();
  const viewer = await fresh.newPage();
  await viewer.goto(link);
  await viewer.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  assert.equal(new URL(viewer.url()).hash, '', 'the code left the address bar');
  // A viewer reads, and is refused what the viewer role may not do, saying which role would.
  const answers = await viewer.evaluate(async () => {
    const list = await fetch('/api/configurations');
    const id = (await list.json())[0].id;
    const tokens = await fetch(`/api/configurations/${id}/tokens`);
    return { list: list.status, tokens: tokens.status, why: (await tokens.json()).error.message };
  });
  assert.equal(answers.list, 200);
  assert.equal(answers.tokens, 403);
  assert.match(answers.why, /needs the role owner or security/);
  // The same link a second time: refused, and the page says why.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await again.getByText(/was used already/).waitFor();
  await fresh.close();
});

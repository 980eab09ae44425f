// Administrators in the browser, against a real `scim-console serve` and headless Chromium: the
// first owner signs in with the link `scim-console admin create` printed, invites one
// administrator per role from the Administrators page (a role limited to a configuration
// among them), an invited editor sees only what the editor role allows, sets a password with an
// authenticator, makes and revokes a personal API token, signs out and in again with the
// password; the owner ends that session, changes roles, disables, sends a link, resets a
// password; the audit log filters by the person.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { binary, checkAccessible, startBrowser, startConsole, totpCode } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let server;
let browser;
let owner;
let editor;
const state = {};

const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  server = await startConsole();
  browser = await startBrowser();
  owner = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true })).newPage();
  editor = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true })).newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the first owner signs in with the link admin create printed and sees every section', async () => {
  const printed = execFileSync(
    binary(),
    [
      '--data-dir',
      server.dataDir,
      'admin',
      'create',
      '--email',
      'owner@contoso.example',
      '--name',
      'Olivia Owner',
      '--role',
      'owner',
      '--url',
      server.origin,
    ],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
  ).toString();
  await owner.goto(/Sign-in link: (\S+)/.exec(printed)[1]);
  await owner.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  const nav = owner.getByRole('navigation', { name: 'Sections' });
  for (const section of ['Configurations', 'Audit log', 'Administrators', 'Settings']) {
    await nav.getByRole('link', { name: section }).waitFor();
  }
  // An owner is offered every change (a security officer, below, is not).
  await owner.getByRole('button', { name: 'Configure provisioning' }).waitFor();
  await owner.getByRole('switch', { name: 'Disable default' }).waitFor();
  await owner.getByRole('button', { name: 'Signed in as Olivia Owner' }).click();
  await owner.getByText('Roles: owner').waitFor();
  await owner.keyboard.press('Escape');
});

test('the owner invites one administrator per role, each with a one-time link', async () => {
  await owner.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Administrators' }).click();
  await owner.getByRole('heading', { name: 'Administrators' }).waitFor();
  await checkAccessible(owner, 'the administrators page');
  state.links = {};
  for (const role of ['owner', 'security', 'editor', 'viewer']) {
    await owner.getByRole('button', { name: 'Invite administrator' }).click();
    const dialog = owner.getByRole('dialog');
    await dialog.getByLabel('Email').fill(`${role}-invited@contoso.example`);
    // Viewer is checked at first: leave only this role.
    for (const other of ['owner', 'security', 'editor', 'viewer']) {
      const box = dialog.getByRole('checkbox', { name: new RegExp(`^${other}:`) });
      if ((await box.isChecked()) !== (other === role)) await box.click();
    }
    if (role === 'editor') {
      // The consultant's role: limited to one configuration.
      await dialog.getByLabel('Limit to configurations').click();
      await owner.getByRole('option', { name: 'default' }).click();
      await dialog.getByLabel('Email').click();
    }
    if (role === 'security') await checkAccessible(owner, 'the invite dialog');
    await dialog.getByRole('button', { name: 'Invite' }).click();
    const link = (await dialog.getByTestId('sign-in-link').textContent()).trim();
    assert.match(link, new RegExp(`^${server.origin}/sign-in#code=[A-Za-z0-9_-]{43}$`));
    state.links[role] = link;
    await dialog.getByRole('button', { name: 'Done' }).click();
    await owner.getByRole('button', { name: `Manage ${role}-invited@contoso.example` }).waitFor();
  }
  // Each with its role alone; only the editor's limited to the configuration.
  for (const role of ['owner', 'security', 'editor', 'viewer']) {
    const roles = role === 'editor' ? 'editor (default)' : role;
    await owner
      .getByRole('row', { name: new RegExp(`${role}-invited@`) })
      .getByRole('cell', { name: roles, exact: true })
      .waitFor();
  }
  await owner.screenshot({ path: join(artifacts, '40-administrators.png'), fullPage: true });
});

test('an invited editor sees only what the editor role allows', async () => {
  await editor.goto(state.links.editor);
  await editor.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  const nav = editor.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'Configurations' }).waitFor();
  // Limited to one configuration, it has no server-wide section; the lists across
  // configurations (the log, monitoring) show its configuration's records only.
  for (const hidden of ['Administrators', 'Audit log', 'Settings', 'Targets', 'Pilot runs', 'Conformance']) {
    assert.equal(await nav.getByRole('link', { name: hidden }).count(), 0, `${hidden} is not offered`);
  }
  for (const [section, settled] of [
    ['Provisioning logs', editor.getByText('No request recorded yet').or(editor.getByRole('table'))],
    ['Monitoring', editor.getByText('Error rate', { exact: true })],
  ]) {
    await nav.getByRole('link', { name: section }).click();
    await editor.getByRole('heading', { name: section, level: 1 }).waitFor();
    await settled.or(editor.getByRole('alert')).first().waitFor();
    assert.equal(await editor.getByRole('alert').count(), 0, `${section} opens without an error`);
  }
  await nav.getByRole('link', { name: 'Configurations' }).click();
  // Its configuration's row offers what its role changes there; a new configuration is not its.
  await editor.getByRole('switch', { name: 'Disable default' }).waitFor();
  assert.equal(await editor.getByRole('button', { name: 'Configure provisioning' }).count(), 0);
  await editor.getByRole('button', { name: 'Actions for default' }).click();
  await editor.getByRole('menuitem', { name: 'Edit' }).waitFor();
  await editor.keyboard.press('Escape');
  // On its configuration: every tab but the tokens, which an editor never sees; it may edit.
  await editor.getByRole('link', { name: 'default' }).click();
  await editor.getByRole('tab', { name: 'Mapping' }).waitFor();
  for (const tab of ['Connection', 'Directory', 'Provisioning logs', 'Alerts', 'Policy & compatibility']) {
    await editor.getByRole('tab', { name: tab }).waitFor();
  }
  assert.equal(await editor.getByRole('tab', { name: 'Tokens' }).count(), 0, 'no Tokens tab');
  await editor.getByRole('button', { name: 'Edit', exact: true }).first().waitFor();
  await editor.getByRole('button', { name: /^Signed in as editor-invited/ }).click();
  await editor.getByText('Roles: editor (1 configuration)').waitFor();
  await editor.getByRole('menuitem', { name: 'My account' }).click();
  await editor.getByRole('heading', { name: 'My account' }).waitFor();
});

test('a security officer is offered tokens, and no configuration or target changes', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true })).newPage();
  await page.goto(state.links.security);
  await page.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  await page.getByRole('table', { name: 'SCIM configurations' }).getByRole('link', { name: 'default' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Configure provisioning' }).count(), 0);
  assert.equal(await page.getByRole('switch', { name: 'Disable default' }).count(), 0);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Edit', exact: true }).count(), 0, 'no configuration edit');
  // It reads the mapping plan and tries it, and is offered no save or import.
  await page.getByRole('tab', { name: 'Mapping' }).click();
  await page.getByRole('button', { name: 'Templates' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save plan' }).count(), 0, 'no plan save');
  assert.equal(await page.getByRole('button', { name: 'Import' }).count(), 0, 'no plan import');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Pilot runs' }).click();
  await page.getByText('Your roles may read runs here, not start them.').waitFor();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Targets' }).click();
  await page.getByRole('heading', { name: 'Targets' }).waitFor();
  await page.getByText('No target yet').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add target' }).count(), 0);
  await page.context().close();
});

test('the editor sets a password with an authenticator, and makes and revokes an API token', async () => {
  await editor.getByRole('button', { name: 'Set a password' }).click();
  state.secret = (await editor.getByTestId('totp-secret').textContent()).trim();
  assert.match(state.secret, /^[A-Z2-7]{32}$/);
  state.password = 'a consultant with a long password';
  await editor.getByLabel('2. New password').fill(state.password);
  await editor.getByLabel('3. Code the app shows').fill('000000');
  await editor.getByRole('button', { name: 'Save password and authenticator' }).click();
  await editor.getByText('this code does not match the secret').waitFor();
  await editor.getByLabel('3. Code the app shows').fill(totpCode(state.secret, now()));
  await editor.getByRole('button', { name: 'Save password and authenticator' }).click();
  await editor.getByText('Password and authenticator saved').waitFor();
  await checkAccessible(editor, 'my account');
  // A personal API token: shown once, works, then revoked.
  await editor.getByLabel('Token name').fill('nightly export');
  await editor.getByLabel('Days').fill('30');
  await editor.getByRole('button', { name: 'Create token' }).click();
  const secret = (await editor.getByTestId('api-token-secret').textContent()).trim();
  assert.match(secret, /^scap_[A-Za-z0-9_-]{43}$/);
  const call = () =>
    fetch(`${server.origin}/api/configurations`, { headers: { Authorization: `Bearer ${secret}` } }).then(
      (r) => r.status,
    );
  assert.equal(await call(), 200);
  await editor.getByRole('button', { name: 'Revoke nightly export' }).click();
  await editor.getByText('Revoked', { exact: true }).waitFor();
  assert.equal(await call(), 401);
  await editor.screenshot({ path: join(artifacts, '41-my-account.png'), fullPage: true });
});

test('the editor signs out, and in again with the password and a code', async () => {
  await editor.getByRole('button', { name: /^Signed in as editor-invited/ }).click();
  await editor.getByRole('menuitem', { name: 'Sign out' }).click();
  await editor.getByRole('heading', { name: 'Sign in to SCIM Console' }).waitFor();
  await checkAccessible(editor, 'the sign-in page');
  await editor.getByRole('textbox', { name: 'Email' }).fill('editor-invited@contoso.example');
  await editor.locator('input[autocomplete="current-password"]').fill('not the password at all');
  await editor.getByLabel('Authenticator code').fill(totpCode(state.secret, now() + 30));
  await editor.getByRole('button', { name: 'Sign in', exact: true }).click();
  await editor.getByText('the email, password or code is wrong').waitFor();
  await editor.locator('input[autocomplete="current-password"]').fill(state.password);
  await editor.getByLabel('Authenticator code').fill(totpCode(state.secret, now() + 30));
  await editor.getByRole('button', { name: 'Sign in', exact: true }).click();
  await editor.getByRole('heading', { name: 'My account' }).waitFor();
  // The admin token's form is the other choice of the page.
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(`${server.origin}/`);
  await fresh.getByText('Admin token', { exact: true }).click();
  await fresh.getByRole('textbox', { name: 'Admin token' }).fill(server.adminToken);
  await fresh.getByRole('button', { name: 'Sign in with the admin token' }).click();
  await fresh.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  await fresh.context().close();
});

test("the owner ends the editor's session, changes roles, disables, links and resets", async () => {
  const row = (email) => owner.getByRole('row', { name: new RegExp(email) });
  const manage = async (email, item) => {
    await owner.getByRole('button', { name: `Manage ${email}` }).click();
    // The menu just opened is the last in the page (a closing one may linger for its transition).
    await owner.getByRole('menuitem', { name: item }).last().click();
  };
  await owner.reload();
  await row('editor-invited@contoso.example').getByText('password + authenticator').waitFor();
  // Sessions: the link's and the password's; ending the password one signs the editor out.
  await manage('editor-invited@contoso.example', 'Sessions and API tokens');
  const dialog = owner.getByRole('dialog');
  await dialog.getByRole('cell', { name: 'password', exact: true }).waitFor();
  await checkAccessible(owner, 'the sessions dialog');
  const passwordRow = dialog
    .getByRole('row')
    .filter({ has: owner.getByRole('cell', { name: 'password', exact: true }) });
  await passwordRow.getByRole('button', { name: /^End session ses_/ }).click();
  await dialog.getByRole('cell', { name: 'password', exact: true }).waitFor({ state: 'detached' });
  await dialog.getByRole('cell', { name: 'Revoked', exact: true }).waitFor();
  await owner.keyboard.press('Escape');
  assert.equal(await editor.evaluate(() => fetch('/api/me').then((r) => r.status)), 401);
  // Roles: the viewer becomes a security officer.
  await manage('viewer-invited@contoso.example', 'Change roles');
  const roles = owner.getByRole('dialog');
  await roles.getByRole('checkbox', { name: /^viewer:/ }).click();
  await roles.getByRole('checkbox', { name: /^security:/ }).click();
  await roles.getByRole('button', { name: 'Save roles' }).click();
  await row('viewer-invited@contoso.example').getByRole('cell', { name: 'security', exact: true }).waitFor();
  // Disabled, then enabled again.
  await manage('security-invited@contoso.example', 'Disable');
  await row('security-invited@contoso.example').getByText('disabled').waitFor();
  await manage('security-invited@contoso.example', 'Enable');
  await row('security-invited@contoso.example').getByText('active').waitFor();
  // A new link.
  await manage('owner-invited@contoso.example', 'New sign-in link');
  const link = (await owner.getByRole('dialog').getByTestId('sign-in-link').textContent()).trim();
  assert.notEqual(link, state.links.owner);
  await owner.keyboard.press('Escape');
  // A password reset.
  await manage('editor-invited@contoso.example', 'Reset password');
  await owner.getByRole('button', { name: 'Reset password' }).click();
  await row('editor-invited@contoso.example').getByText('sign-in link').waitFor();
});

test('the audit log names the person, with roles and credential, and filters by them', async () => {
  await owner.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
  await owner.getByLabel('Who').fill('EDITOR-invited@contoso.example');
  const table = owner.getByRole('table', { name: 'Audit log' });
  // Actions read as words (the code in a tooltip).
  await table
    .getByTestId('audit-action')
    .filter({ hasText: /^Administrator created$/ })
    .first()
    .waitFor({ state: 'detached' });
  await table.getByTestId('audit-action').filter({ hasText: "Administrator's password or TOTP set" }).first().waitFor();
  await table
    .getByText(/editor \(1 configuration\(s\)\) · session ses_/)
    .first()
    .waitFor();
  await owner.screenshot({ path: join(artifacts, '42-audit-by-person.png'), fullPage: true });
});

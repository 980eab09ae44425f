// Protected accounts in the browser, against a real `scim-console serve`: the admin names a
// tenant admin in the configuration's drawer; from then on the identity provider cannot create,
// match or delete it (each refusal logged as skipped), and the Directory tab flags it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkAccessible, scim, startSession } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let session;
let server;
let page;

before(async () => {
  session = await startSession();
  ({ server, page } = session);
});

after(async () => {
  await session?.stop();
});

test('a protected account is excluded from provisioning and flagged in the directory', async () => {
  const base = `${server.origin}/scim/default/v2`;
  const admin = await scim(base, server.token, 'POST', '/Users', { userName: 'admin@contoso.example' });
  assert.equal(admin.status, 201);
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const drawer = page.getByRole('dialog');
  const tags = drawer.getByLabel('Protected accounts');
  await tags.fill('Admin@Contoso.example');
  await tags.press('Enter');
  await drawer.getByRole('button', { name: 'Save', exact: true }).click();
  await drawer.waitFor({ state: 'detached' });

  // The identity provider neither creates, matches nor deletes it.
  const created = await scim(base, server.token, 'POST', '/Users', { userName: 'ADMIN@contoso.example' });
  assert.equal(created.status, 403, JSON.stringify(created.body));
  assert.match(created.body.detail, /excluded from provisioning/);
  const matched = await scim(base, server.token, 'GET', '/Users?filter=userName%20eq%20%22admin@contoso.example%22');
  assert.equal(matched.body.totalResults, 0);
  assert.equal((await scim(base, server.token, 'DELETE', `/Users/${admin.body.id}`)).status, 403);

  await page.getByRole('tab', { name: 'Directory', exact: true }).click();
  const row = page.getByRole('row', { name: /admin@contoso\.example/ });
  await row.getByText('protected', { exact: true }).waitFor();
  await page.screenshot({ path: join(artifacts, '70-protected-account.png'), fullPage: true });
  await checkAccessible(page, 'the directory with a protected account');

  // The log counts the refusals as skipped, not as failures.
  await page.getByRole('tab', { name: 'Provisioning logs', exact: true }).click();
  const skipped = page.getByRole('row').filter({ hasText: 'skipped' });
  await skipped.nth(1).waitFor();
  assert.equal(await page.getByRole('row').filter({ hasText: 'failure' }).count(), 0);
});

// User IDs converted to emails in the browser, against a real `scim-console serve`: the
// Directory tab previews each change and each clash, converts with a confirmation, and the
// conversion is undone — once from the drawer, once from its audit record. The plan editor
// offers short-name to email matching for brown-field links.
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

async function userName(base, id) {
  return (await scim(base, server.token, 'GET', `/Users/${id}`)).body.userName;
}

test('short-named users take their emails, and the conversion is undone', async () => {
  const base = `${server.origin}/scim/default/v2`;
  const ids = {};
  for (const [name, emails] of [
    ['ada', [{ value: 'ada@contoso.example', primary: true }]],
    ['grace', [{ value: 'grace@contoso.example', type: 'work' }]],
    ['bob', []],
    ['alan@contoso.example', []],
  ]) {
    const created = await scim(base, server.token, 'POST', '/Users', { userName: name, emails });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ids[name] = created.body.id;
  }
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Directory', exact: true }).click();
  await page.getByRole('button', { name: 'Convert user IDs to emails' }).click();
  const drawer = page.getByRole('dialog', { name: 'Convert user IDs to emails', exact: true });
  const changes = drawer.getByRole('table', { name: 'Users to convert' });
  await changes.getByRole('row', { name: 'ada ada@contoso.example' }).waitFor();
  await changes.getByRole('row', { name: 'grace grace@contoso.example' }).waitFor();
  await drawer
    .getByRole('table', { name: 'Users that cannot be converted' })
    .getByRole('row', { name: /bob.*no email to take/ })
    .waitFor();
  await drawer.getByText('1 already emails').waitFor();
  await page.screenshot({ path: join(artifacts, '97-user-ids-to-emails.png'), fullPage: true });
  await checkAccessible(page, 'the conversion preview');

  await drawer.getByRole('button', { name: 'Convert 2 users' }).click();
  await page
    .getByRole('dialog', { name: /Convert 2 user IDs/ })
    .getByRole('button', { name: 'Convert', exact: true })
    .click();
  await page.getByText('2 users converted').waitFor();
  assert.equal(await userName(base, ids.ada), 'ada@contoso.example');
  assert.equal(await userName(base, ids.grace), 'grace@contoso.example');
  // Undone from the drawer.
  await drawer.getByRole('table', { name: 'Conversions' }).getByRole('button', { name: 'Undo' }).click();
  await page.getByText('Undone: 2 users have their short name back').waitFor();
  assert.equal(await userName(base, ids.ada), 'ada');

  // Converted again, then undone from its audit record.
  await drawer.getByRole('button', { name: 'Convert 2 users' }).click();
  await page
    .getByRole('dialog', { name: /Convert 2 user IDs/ })
    .getByRole('button', { name: 'Convert', exact: true })
    .click();
  // The first conversion's notice may still show: wait for the directory itself.
  for (let i = 0; i < 100 && (await userName(base, ids.grace)) !== 'grace@contoso.example'; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await userName(base, ids.grace), 'grace@contoso.example');
  await drawer.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('link', { name: 'Audit log' }).click();
  const record = page
    .getByRole('row')
    .filter({ has: page.getByTestId('audit-action').filter({ hasText: 'User ids converted to emails' }) })
    .first();
  await record.getByRole('button', { name: 'Undo this conversion' }).click();
  await page.getByText('Conversion undone: 2 users have their short name back').waitFor();
  assert.equal(await userName(base, ids.grace), 'grace');

  // The plan editor offers linking short names to email local parts.
  await page.getByRole('link', { name: 'Configurations' }).click();
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Mapping', exact: true }).click();
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.getByRole('menuitem', { name: 'Default (SCIM core User)' }).click();
  const local = page.getByRole('checkbox', { name: /Link an imported user whose userName is a short name/ });
  await local.check();
  await page.getByRole('button', { name: 'Save plan' }).click();
  for (let i = 0; i < 50; i++) {
    const current = await fetch(`${server.origin}/api/configurations`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    }).then((r) => r.json());
    const plan = await fetch(`${server.origin}/api/configurations/${current[0].id}/mapping`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    if (plan.ok && (await plan.json()).plan.matchLocalPart === true) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the plan with matchLocalPart was not saved');
});

// PUT semantics in the browser, against a real `scim-console serve`: the configuration's drawer
// switches between Replace and Merge, and the endpoint follows it — Replace clears what a PUT
// omits; Merge keeps it and clears only what the PUT sends as null or [] (single, complex and
// multi-valued attributes alike).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scim, startSession } from './console.mjs';

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

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

async function choose(mode) {
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const drawer = page.getByRole('dialog');
  await drawer.locator('label', { hasText: mode }).click();
  if (mode === 'Merge') await page.screenshot({ path: join(artifacts, '98-put-merge.png'), fullPage: true });
  await drawer.getByRole('button', { name: 'Save', exact: true }).click();
  await drawer.waitFor({ state: 'detached' });
}

test('each PUT semantics of the drawer is what the endpoint does', async () => {
  const base = `${server.origin}/scim/default/v2`;
  const full = {
    schemas: [USER],
    userName: 'ada@contoso.example',
    displayName: 'Ada Lovelace',
    title: 'Countess',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@contoso.example', type: 'work' }],
    phoneNumbers: [{ value: '+442071234567', type: 'work' }],
  };
  const created = await scim(base, server.token, 'POST', '/Users', full);
  assert.equal(created.status, 201);
  const id = created.body.id;

  // Merge: omitted attributes stay; null and [] clear, single, complex and multi-valued.
  await choose('Merge');
  let put = await scim(base, server.token, 'PUT', `/Users/${id}`, {
    schemas: [USER],
    userName: 'ada@contoso.example',
    title: null,
    name: null,
    phoneNumbers: [],
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  let user = (await scim(base, server.token, 'GET', `/Users/${id}`)).body;
  assert.equal(user.displayName, 'Ada Lovelace', 'omitted: kept');
  assert.deepEqual(user.emails, full.emails, 'omitted: kept');
  assert.equal(user.title, undefined, 'null: cleared');
  assert.equal(user.name, undefined, 'null complex: cleared');
  assert.equal(user.phoneNumbers, undefined, '[]: cleared');

  // Replace: what the PUT omits is cleared.
  await choose('Replace');
  put = await scim(base, server.token, 'PUT', `/Users/${id}`, { schemas: [USER], userName: 'ada@contoso.example' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  user = (await scim(base, server.token, 'GET', `/Users/${id}`)).body;
  assert.equal(user.displayName, undefined);
  assert.equal(user.emails, undefined);
  const [configuration] = await fetch(`${server.origin}/api/configurations`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  }).then((r) => r.json());
  assert.equal(configuration.putSemantics, 'replace');
});

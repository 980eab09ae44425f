// The accidental-deletion threshold in the browser, against a real `scim-console serve`: the
// Policy tab sets it in each of its modes (a share of the users, a number, off); beyond it the
// identity provider's deletions are held (503), the "Deletions held" alert fires, and the
// Directory tab lists them to release or discard.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminApi, checkAccessible, scim, startSession } from './console.mjs';

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

/** The admin API, with the server's admin token. */
const api = (method, path, body) => adminApi(server, method, path, body);

/** Picks a mode of the threshold, fills it and saves; waits for the saved description. */
async function setThreshold(mode, fields, saved) {
  const panel = page.getByRole('heading', { name: 'Accidental-deletion threshold' }).locator('..');
  await panel.locator('label', { hasText: mode }).click();
  for (const [label, value] of Object.entries(fields)) {
    await panel.getByRole('textbox', { name: label }).fill(value);
  }
  await panel.getByRole('button', { name: 'Save threshold' }).click();
  await page.getByText('Deletion threshold saved').last().waitFor();
  if (saved) await panel.getByText(saved).waitFor();
}

test('deletions beyond the threshold are held, alerted and decided in the directory', async () => {
  const base = `${server.origin}/scim/default/v2`;
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const created = await scim(base, server.token, 'POST', '/Users', {
      userName: `u${i}@contoso.example`,
      active: true,
    });
    assert.equal(created.status, 201);
    ids.push(created.body.id);
  }
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Policy & compatibility', exact: true }).click();
  // Every mode the panel offers: a share, then a number (kept), after trying off below.
  await setThreshold(
    'A share of the users',
    { 'At most this percentage of the users': '50', 'Within (minutes)': '30' },
    'Now: 50% of the users deleted or deactivated within 30 minutes.',
  );
  await setThreshold(
    'A number of users',
    { 'At most this many users': '2', 'Within (minutes)': '60' },
    'Now: 2 deletions or deactivations within 60 minutes.',
  );
  await checkAccessible(page, 'the deletion threshold');

  // Two deletions go through; the third and a deactivation are held.
  assert.equal((await scim(base, server.token, 'DELETE', `/Users/${ids[0]}`)).status, 204);
  assert.equal((await scim(base, server.token, 'DELETE', `/Users/${ids[1]}`)).status, 204);
  const held = await scim(base, server.token, 'DELETE', `/Users/${ids[2]}`);
  assert.equal(held.status, 503);
  assert.match(held.body.detail, /accidental-deletion threshold/);
  const deactivation = await scim(base, server.token, 'PATCH', `/Users/${ids[3]}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  assert.equal(deactivation.status, 503);
  // The rule added with the threshold fires.
  const events = await api('POST', '/api/alerts/evaluate');
  assert.deepEqual(
    events.map((e) => [e.ruleName, e.kind]),
    [['Deletions held', 'raised']],
  );

  await page.getByRole('tab', { name: 'Directory', exact: true }).click();
  const table = page.getByRole('table', { name: 'Held deletions' });
  await table.getByRole('row', { name: /u2@contoso\.example/ }).waitFor();
  await table.getByRole('row', { name: /u3@contoso\.example.*Deactivate/ }).waitFor();
  await page.screenshot({ path: join(artifacts, '80-held-deletions.png'), fullPage: true });
  await checkAccessible(page, 'the held deletions');

  // Release the DELETE: the user goes.
  await table.getByRole('checkbox', { name: 'Select u2@contoso.example' }).check();
  await page.getByRole('button', { name: 'Release the 1 selected' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Release', exact: true }).click();
  await page.getByText('1 held deletion released').waitFor();
  assert.equal((await scim(base, server.token, 'GET', `/Users/${ids[2]}`)).status, 404);
  // Discard the rest: the user stays active, the panel goes.
  await page.getByRole('button', { name: 'Discard all 1' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Discard', exact: true }).click();
  await page.getByText('1 held deletion discarded').waitFor();
  await table.waitFor({ state: 'detached' });
  assert.equal((await scim(base, server.token, 'GET', `/Users/${ids[3]}`)).body.active, true);
  const audit = await api('GET', '/api/audit');
  const actions = audit.entries.map((e) => e.action);
  assert.ok(actions.includes('deletions.release') && actions.includes('deletions.discard'), actions.join());

  // Off: deletions go through again.
  await page.getByRole('tab', { name: 'Policy & compatibility', exact: true }).click();
  await setThreshold('Off', {}, null);
  const [configuration] = await api('GET', '/api/configurations');
  assert.equal((await api('GET', `/api/configurations/${configuration.id}/deletion-threshold`)).threshold, null);
  assert.equal((await scim(base, server.token, 'DELETE', `/Users/${ids[3]}`)).status, 204);
});

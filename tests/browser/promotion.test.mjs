// QA → production in the browser, against a real `scim-console serve`: a QA configuration is
// paired with production in its Mapping tab, the two plans are compared side by side by
// section, QA's plan is promoted with one confirmation, and production is rolled back in a click.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminApi, checkAccessible, startSession } from './console.mjs';

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

test('a QA plan is compared with production, promoted and rolled back', async () => {
  const qa = await api('POST', '/api/configurations', { name: 'xMatters QA', planTemplate: 'xMatters' });
  const prod = await api('POST', '/api/configurations', { name: 'xMatters production', planTemplate: 'standard' });
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'xMatters QA' }).click();
  await page.getByRole('tab', { name: 'Mapping', exact: true }).click();
  await page.getByRole('tab', { name: 'Promote' }).click();
  await page.getByRole('combobox', { name: 'Production configuration' }).click();
  await page.getByRole('option', { name: 'xMatters production' }).click();
  await page.getByRole('button', { name: 'Pair', exact: true }).click();

  // Side by side, by section.
  const table = page.getByRole('table', { name: 'Plan differences' });
  for (const section of ['Fields', 'Validators', 'Rules', 'Matching', 'Settings']) {
    await table.getByText(section, { exact: true }).first().waitFor();
  }
  const unsupported = table.getByRole('row', { name: /\/unsupported/ });
  await unsupported.getByText('ignore', { exact: true }).waitFor();
  await unsupported.getByText('reject', { exact: true }).waitFor();
  await page.screenshot({ path: join(artifacts, '95-promotion-diff.png'), fullPage: true });
  await checkAccessible(page, 'the promotion diff');

  // Promote with one confirmation.
  await page.getByRole('button', { name: 'Promote to xMatters production' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Promote', exact: true }).click();
  await page.getByText('xMatters production runs QA version 1').waitFor();
  await page.getByTestId('no-differences').waitFor();
  const current = await api('GET', `/api/configurations/${prod.id}/mapping`);
  assert.equal(current.version, 2);
  assert.equal(current.comment, 'promoted from "xMatters QA" version 1');
  assert.equal(current.plan.unsupported, 'reject');

  // The previous version is a click away.
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.getByText('xMatters production rolled back to version 1').waitFor();
  await table.waitFor();
  const rolled = await api('GET', `/api/configurations/${prod.id}/mapping`);
  assert.equal(rolled.version, 3);
  assert.equal(rolled.plan.unsupported, 'ignore');

  // Unpaired: the pairing form again.
  await page.getByRole('button', { name: 'Unpair' }).click();
  await page.getByRole('combobox', { name: 'Production configuration' }).waitFor();
  assert.equal((await api('GET', `/api/configurations/${qa.id}/promotion`)).production, null);
});

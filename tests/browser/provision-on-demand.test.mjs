// Provision on demand in the browser, against a real `scim-console serve`: from the Directory
// tab, one user of each kind of source (a CSV export's row, a JSON payload, another
// configuration's user), behaving like each identity provider the drawer offers, is provisioned
// now and shown step by step — import, scope, match, action, result.
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

const CSV = `userPrincipalName,mail,givenName,surname,displayName
ada@contoso.example,ada@contoso.example,Ada,Lovelace,Ada Lovelace
grace@contoso.example,grace@contoso.example,Grace,Hopper,Grace Hopper
`;

const STEPS = [
  'Import user',
  'Determine if user is in scope',
  'Match user between source and target',
  'Perform action',
  'Result',
];

async function pick(drawer, label, option) {
  await drawer.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Runs the drawer's Provision and returns the result's text once shown. */
async function provision(drawer, action) {
  await drawer.getByRole('button', { name: 'Provision', exact: true }).click();
  const result = drawer.getByTestId('on-demand-result');
  await result.getByText(action, { exact: true }).waitFor();
  return result;
}

test('one user of each source, behaving like each provider, is provisioned step by step', async () => {
  const base = `${server.origin}/scim/default/v2`;
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Directory', exact: true }).click();
  await page.getByRole('button', { name: 'Provision on demand' }).click();
  const drawer = page.getByRole('dialog');

  // A CSV row, as Microsoft Entra ID: created, the five steps shown.
  await pick(drawer, 'Behave like', 'Microsoft Entra ID');
  await drawer.getByRole('radiogroup', { name: 'Source' }).locator('label', { hasText: 'CSV export' }).click();
  await drawer.getByRole('textbox', { name: 'CSV export' }).fill(CSV);
  await pick(drawer, 'User', 'Row 3: grace@contoso.example');
  let result = await provision(drawer, 'created');
  for (const title of STEPS) await result.getByText(title, { exact: true }).waitFor();
  await result.getByText(/Microsoft Entra ID mappings make a SCIM User grace@contoso\.example/).waitFor();
  await result.getByText(/no user of the target matches userName eq "grace@contoso\.example"/).waitFor();
  await result.getByText('Result', { exact: true }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, '85-provision-on-demand.png'), fullPage: true });
  await checkAccessible(page, 'provision on demand');
  const found = await scim(base, server.token, 'GET', '/Users?filter=userName%20eq%20%22grace@contoso.example%22');
  assert.equal(found.body.totalResults, 1);

  // A JSON payload (a SCIM User), as Okta: she is matched and updated with a PUT.
  await pick(drawer, 'Behave like', 'Okta');
  await drawer.getByRole('radiogroup', { name: 'Source' }).locator('label', { hasText: 'JSON payload' }).click();
  await drawer.getByRole('textbox', { name: 'JSON payload' }).fill(
    JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'grace@contoso.example',
      displayName: 'Rear Admiral Hopper',
    }),
  );
  result = await provision(drawer, 'updated');
  await result.getByText(/^update: PUT/).waitFor();

  // Another configuration's user, as OneLogin.
  const qa = await fetch(`${server.origin}/api/configurations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'QA' }),
  }).then((r) => r.json());
  const token = await fetch(`${server.origin}/api/configurations/${qa.id}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'test' }),
  }).then((r) => r.json());
  const alan = await scim(`${server.origin}/scim/qa/v2`, token.token, 'POST', '/Users', {
    userName: 'alan@contoso.example',
  });
  assert.equal(alan.status, 201, JSON.stringify(alan.body));
  await page.reload();
  await page.getByRole('button', { name: 'Provision on demand' }).click();
  await pick(drawer, 'Behave like', 'OneLogin');
  await drawer
    .getByRole('radiogroup', { name: 'Source' })
    .locator('label', { hasText: 'Another configuration' })
    .click();
  await pick(drawer, 'Configuration', 'QA');
  await drawer.getByRole('textbox', { name: 'userName' }).fill('alan@contoso.example');
  result = await provision(drawer, 'created');
  await result.getByText(/a SCIM User alan@contoso\.example/).waitFor();

  // Google Workspace, a dry run of a SCIM User: nothing written.
  await pick(drawer, 'Behave like', 'Google Workspace');
  await drawer.getByRole('radiogroup', { name: 'Source' }).locator('label', { hasText: 'JSON payload' }).click();
  await drawer
    .getByRole('textbox', { name: 'JSON payload' })
    .fill(JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@contoso.example' }));
  await drawer.getByRole('switch', { name: /Dry run/ }).click({ force: true });
  result = await provision(drawer, 'wouldCreate');
  await result.getByText(/^dry run: would create it/).waitFor();
  const none = await scim(base, server.token, 'GET', '/Users?filter=userName%20eq%20%22ada@contoso.example%22');
  assert.equal(none.body.totalResults, 0);

  // A user the source does not hold is refused at its field.
  await drawer.getByRole('switch', { name: /Dry run/ }).click({ force: true });
  await drawer
    .getByRole('radiogroup', { name: 'Source' })
    .locator('label', { hasText: 'Another configuration' })
    .click();
  await drawer.getByRole('textbox', { name: 'userName' }).fill('nobody@contoso.example');
  await drawer.getByRole('button', { name: 'Provision', exact: true }).click();
  await drawer.getByText(/has no user nobody@contoso\.example/).waitFor();
});

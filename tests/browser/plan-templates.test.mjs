// Mapping plan templates in the browser, against a real `scim-console serve`: the Configure
// drawer offers every template (none, standard, xMatters); a configuration created from the
// xMatters template holds the document's table — Entra ID's user with xMatters' attributes
// goes in, the enterprise extension and a changed externalId are refused — and its Mapping
// tab shows the plan, version 1, with externalId immutable.
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

/** Creates a configuration in the drawer with a mapping plan choice; returns its base URL and token. */
async function create(name, planChoice) {
  await page.goto(server.adminLink);
  await page.getByRole('button', { name: 'Configure provisioning' }).first().click();
  const drawer = page.getByRole('dialog');
  await drawer.getByLabel('Name').fill(name);
  await drawer.getByRole('combobox', { name: 'Identity provider' }).click();
  await page.getByRole('option', { name: 'Microsoft Entra ID' }).click();
  await drawer.getByRole('combobox', { name: 'Mapping plan' }).click();
  await page.getByRole('option', { name: planChoice, exact: true }).click();
  await drawer.getByRole('button', { name: 'Add' }).click();
  const token = (await drawer.getByTestId('new-token').textContent()).trim();
  const baseUrl = (await drawer.getByTestId('new-base-url').textContent()).trim();
  await drawer.getByRole('button', { name: 'Done' }).click();
  await drawer.waitFor({ state: 'detached' });
  return { token, baseUrl };
}

const entraUser = (userName, externalId) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  externalId,
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  preferredLanguage: 'en-US',
  timezone: 'Europe/London',
  roles: [{ primary: true, type: 'Primary', value: 'Standard User' }],
  emails: [{ type: 'Work Email', value: userName }],
  phoneNumbers: [{ type: 'Work Phone', value: '+442071234567' }],
});

test('every mapping plan choice of the drawer creates what it says', async () => {
  // None: no plan, every attribute accepted.
  const none = await create('No plan', 'None (accept every SCIM attribute)');
  const loose = await scim(none.baseUrl, none.token, 'POST', '/Users', {
    userName: 'any@contoso.example',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Ops' },
  });
  assert.equal(loose.status, 201, JSON.stringify(loose.body));
  await page.getByRole('link', { name: 'No plan' }).click();
  await page.getByRole('tab', { name: 'Mapping', exact: true }).click();
  await page.getByText('No plan yet').waitFor();

  // Standard: version 1 from the template, the enterprise extension accepted.
  const standard = await create('Standard plan', 'Standard SCIM user');
  const enterprise = await scim(standard.baseUrl, standard.token, 'POST', '/Users', {
    userName: 'grace@contoso.example',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Ops' },
  });
  assert.equal(enterprise.status, 201, JSON.stringify(enterprise.body));
  await page.getByRole('link', { name: 'Standard plan' }).click();
  await page.getByRole('tab', { name: 'Mapping', exact: true }).click();
  await page.getByText(/^Version 1, saved/).waitFor();

  // xMatters: the document's table.
  const x = await create('xMatters', 'xMatters');
  const ada = await scim(x.baseUrl, x.token, 'POST', '/Users', entraUser('ada@contoso.example', '3f1c'));
  assert.equal(ada.status, 201, JSON.stringify(ada.body));
  assert.equal(ada.body.preferredLanguage, 'en');
  const refused = await scim(x.baseUrl, x.token, 'POST', '/Users', {
    ...entraUser('grace@contoso.example', '9a2b'),
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Ops' },
  });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  const moved = await scim(x.baseUrl, x.token, 'PATCH', `/Users/${ada.body.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: 'externalId', value: 'other' }],
  });
  assert.equal(moved.status, 400);
  assert.equal(moved.body.scimType, 'mutability');

  await page.getByRole('link', { name: 'xMatters', exact: true }).click();
  await page.getByRole('tab', { name: 'Mapping', exact: true }).click();
  await page.getByText(/^Version 1, saved/).waitFor();
  await page.getByRole('textbox', { name: 'Name of field 2' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Name of field 2' }).inputValue(), 'externalId');
  assert.equal(await page.getByRole('checkbox', { name: 'Field 2 is immutable' }).isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'Field 1 is immutable' }).isChecked(), false);
  await page.screenshot({ path: join(artifacts, '75-xmatters-plan.png'), fullPage: true });
  await checkAccessible(page, 'the xMatters mapping plan');
  await page.getByRole('tab', { name: 'Version history' }).click();
  await page.getByRole('cell', { name: 'From the xMatters template' }).waitFor();
  await page.getByRole('tab', { name: 'Editor' }).click();

  // The log shows the refusals as failures with the reason.
  await page.getByRole('tab', { name: 'Provisioning logs', exact: true }).click();
  await page.getByRole('row').filter({ hasText: 'failure' }).nth(1).waitFor();
});

// Health and retries in the browser, against a real `scim-console serve`: the configuration
// page shows its health (degraded while a user's last request failed, healthy once a later one
// succeeded) and the Monitoring tab lists each user's last failure; the Pilot runs page runs a
// finished run's failed users again.
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

const user = (userName, phone) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  phoneNumbers: [{ type: 'work', value: phone }],
});

async function waitForHealth(id, state) {
  for (let i = 0; i < 100; i++) {
    const health = await api('GET', `/api/configurations/${id}/health`);
    if (health.state === state) return health;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`health never became ${state}`);
}

test('health follows the users whose last request failed', async () => {
  const [configuration] = await api('GET', '/api/configurations');
  const plan = await api('GET', '/api/mapping/template');
  await api('PUT', `/api/configurations/${configuration.id}/mapping`, { plan });
  const base = `${server.origin}/scim/default/v2`;
  assert.equal(
    (await scim(base, server.token, 'POST', '/Users', user('grace@contoso.example', '+14155550123'))).status,
    201,
  );
  assert.equal((await scim(base, server.token, 'POST', '/Users', user('ada@contoso.example', '020 7123'))).status, 400);
  await waitForHealth(configuration.id, 'degraded');

  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByTestId('health-badge').getByText('degraded').waitFor();
  await page.getByTestId('health-badge').click();
  const table = page.getByRole('table', { name: 'Users with failures' });
  const row = table.getByRole('row', { name: /ada@contoso\.example/ });
  await row.getByText('still failing').waitFor();
  await row.getByText(/POST · 400/).waitFor();
  await page
    .getByRole('tabpanel')
    .getByText(/the last request of 1 user's failed/)
    .waitFor();
  await page.screenshot({ path: join(artifacts, '90-health-degraded.png'), fullPage: true });
  await checkAccessible(page, 'the health panel');

  // The identity provider sends her again, right: recovered, healthy.
  assert.equal(
    (await scim(base, server.token, 'POST', '/Users', user('ada@contoso.example', '+442071234567'))).status,
    201,
  );
  await waitForHealth(configuration.id, 'healthy');
  await page.reload();
  await page.getByTestId('health-state').getByText('healthy').waitFor();
  await row.getByText(/^recovered/).waitFor();
  // The user's link opens the log searched for her.
  await row.getByRole('link').click();
  await page.getByRole('heading', { name: 'Provisioning logs' }).waitFor();
  assert.match(page.url(), /text=ada%40contoso\.example/);
});

test('a pilot run\u2019s failed users are run again from its report', async () => {
  const staging = await api('POST', '/api/configurations', { name: 'Staging' });
  const plan = await api('GET', '/api/mapping/template');
  await api('PUT', `/api/configurations/${staging.id}/mapping`, { plan });
  const csv = `userPrincipalName,mail,preferredLanguage
ada@contoso.example,ada@contoso.example,en
grace@contoso.example,grace@contoso.example,Martian
alan@contoso.example,alan@contoso.example,Elvish
`;
  const run = await api('POST', '/api/pilot-runs', {
    configurationId: staging.id,
    source: { kind: 'csv', content: csv },
    target: { kind: 'configuration', configurationId: staging.id },
  });
  for (let i = 0; i < 100; i++) {
    if ((await api('GET', `/api/pilot-runs/${run.id}`)).state === 'finished') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // The admin relaxes the plan, then retries one of the two failed users from the report.
  await api('PUT', `/api/configurations/${staging.id}/mapping`, { plan: { ...plan, mode: 'warnOnly' } });
  await page.getByRole('link', { name: 'Pilot runs' }).click();
  await page
    .getByRole('table', { name: 'Recent pilot runs' })
    .getByRole('row')
    .nth(1)
    .getByRole('button')
    .first()
    .click();
  await page.getByTestId('pilot-state').getByText('2 failed').waitFor();
  const report = page.getByRole('table', { name: 'Pilot run report' });
  await report
    .getByText(/Perform action: the plan refuses it: preferredLanguage/)
    .first()
    .waitFor();
  await report.getByRole('checkbox', { name: 'Choose row 3' }).check();
  await page.screenshot({ path: join(artifacts, '91-pilot-retry.png'), fullPage: true });
  await page.getByRole('button', { name: 'Retry the 1 chosen' }).click();
  await page.getByTestId('pilot-state').getByText('finished').waitFor();
  await page
    .getByRole('table', { name: 'Pilot run report' })
    .getByRole('row', { name: /grace@contoso\.example.*created/ })
    .waitFor();
  const runs = await api('GET', '/api/pilot-runs');
  assert.equal(runs.length, 2);
});

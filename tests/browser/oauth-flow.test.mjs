// The OAuth flow as xMatters documents it, in the browser against a real `scim-console serve`:
// the token endpoint and copy-ready cURL commands are on the configuration page before any
// client exists; a new client's commands, run as copied with the system's curl, obtain an
// access token and a refresh token, refresh it, and open the SCIM endpoint; in the signed-JWT
// mode the commands send an assertion and offer no refresh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkAccessible, startSession } from './console.mjs';

const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let session;
let server;
let page;

/** Runs a command as an admin would paste it into a shell; its output as JSON. */
function run(command) {
  const out = execFileSync('sh', ['-c', `${command.replace('curl ', 'curl -sS ')}`], { encoding: 'utf8' });
  return JSON.parse(out);
}

before(async () => {
  session = await startSession();
  ({ server, page } = session);
});

after(async () => {
  await session?.stop();
});

test('the token endpoint and the commands are shown before any client exists', async () => {
  await page.goto(server.adminLink);
  await page.getByRole('link', { name: 'default' }).click();
  await page.getByRole('tab', { name: 'Tokens', exact: true }).click();
  await page.getByText('No OAuth client yet.').waitFor();
  assert.equal(await page.getByTestId('token-endpoint').textContent(), `${server.origin}/scim/default/oauth/token`);
  const obtain = await page.getByTestId('curl-obtain').textContent();
  assert.match(obtain, /-u '<client id>:<client secret>'/);
  await page.getByTestId('curl-refresh').waitFor();
  await page.getByRole('button', { name: 'Copy obtain an access token' }).waitFor();
  await page.screenshot({ path: join(artifacts, '60-oauth-token-requests.png'), fullPage: true });
  await checkAccessible(page, 'the OAuth commands');
});

test("a new client's commands, run as copied, obtain, refresh and use a token", async () => {
  await page.getByRole('button', { name: 'Add OAuth client' }).click();
  const form = page.getByRole('dialog', { name: 'Add an OAuth client' });
  await form.getByRole('textbox', { name: 'Label' }).fill('Script');
  await form.getByRole('button', { name: 'Add client' }).click();
  const issued = page.getByRole('dialog', { name: 'OAuth client created' });
  const obtain = await issued.getByTestId('curl-obtain').textContent();
  const refresh = await issued.getByTestId('curl-refresh').textContent();
  const call = await issued.getByTestId('curl-call').textContent();
  assert.doesNotMatch(obtain, /<client/, 'the new client fills its own credentials in');
  const first = run(obtain);
  assert.equal(first.token_type, 'Bearer', JSON.stringify(first));
  assert.ok(first.access_token && first.refresh_token, JSON.stringify(first));
  const second = run(refresh.replace('<refresh token>', first.refresh_token));
  assert.ok(second.access_token && second.access_token !== first.access_token, JSON.stringify(second));
  const users = run(call.replace('<access token>', second.access_token));
  assert.deepEqual(users.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  await issued.getByRole('button', { name: 'I have copied it' }).click();
});

test('in the signed-JWT mode the commands send an assertion and offer no refresh', async () => {
  await page.locator('label', { hasText: 'Only OAuth clients with signed JWTs' }).click();
  await page.getByRole('button', { name: 'Accept only signed JWTs' }).click();
  await page.getByText('Only OAuth clients with signed JWTs are accepted').waitFor();
  await page
    .getByTestId('curl-obtain')
    .getByText(/client_assertion_type=/)
    .waitFor();
  assert.equal(await page.getByTestId('curl-refresh').count(), 0);
  assert.doesNotMatch(await page.getByTestId('curl-obtain').textContent(), /-u /);
});

// Single sign-on end to end: a real OpenID Connect provider (npm's oidc-provider) on a free
// port, a `scim-console serve --oidc-issuer …` that knows it, and headless Chromium: the sign-in
// page offers the provider; an invited administrator goes through the provider's login and
// consent pages and comes back signed in (authorization code with PKCE, state and nonce, the ID
// token validated by the console); an email the console has not invited is refused, saying
// why; a callback whose state is not this browser's is refused; a desktop app's sign-in
// (RFC 8252: its loopback address, state and PKCE challenge) comes back to the app with a
// one-time code for the invited and the reason for anyone else, and the code and verifier buy
// a personal API token once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { binary, checkAccessible, startBrowser, startConsole } from './console.mjs';
import { reserveProvider, startProvider } from './oidc-provider.mjs';

let server;
let provider;
let browser;

before(async () => {
  const reserved = await reserveProvider();
  server = await startConsole({
    args: ['--oidc-issuer', reserved.issuer, '--oidc-client-id', 'scim-console', '--oidc-name', 'Contoso SSO'],
    env: { SCIM_CONSOLE_OIDC_CLIENT_SECRET: 'a-client-secret-of-the-console-at-the-provider' },
  });
  provider = await startProvider(reserved, {
    clientId: 'scim-console',
    clientSecret: 'a-client-secret-of-the-console-at-the-provider',
    redirectUri: `${server.origin}/api/sign-in/oidc/callback`,
  });
  browser = await startBrowser();
  execFileSync(
    binary(),
    ['--data-dir', server.dataDir, 'admin', 'create', '--email', 'ada@contoso.example', '--role', 'editor'],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.stop();
});

/** Goes through the provider's login and consent pages as `login`. */
async function signInAtProvider(page, login) {
  await page.goto(`${server.origin}/`);
  await page.getByRole('button', { name: 'Sign in with Contoso SSO' }).click();
  await page.waitForURL((url) => url.origin === provider.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
}

test('an invited administrator signs in through the identity provider', async () => {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await page.goto(`${server.origin}/`);
  await page.getByRole('heading', { name: 'Sign in to SCIM Console' }).waitFor();
  await checkAccessible(page, 'the sign-in page with a provider');
  await signInAtProvider(page, 'Ada@Contoso.example');
  await page.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  assert.equal(new URL(page.url()).origin, server.origin);
  const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
  assert.equal(me.administrator.email, 'ada@contoso.example');
  assert.equal(me.via, 'session');
  const sessions = await page.evaluate(() => fetch('/api/me/sessions').then((r) => r.json()));
  assert.deepEqual(
    sessions.map((s) => s.via),
    ['openid connect'],
  );
  // The flow's cookie is gone; the session's is HttpOnly and Strict. (Cookies ignore ports:
  // the provider's, on the same loopback host, are left out.)
  const cookies = (await page.context().cookies(server.origin)).filter((c) => c.name.startsWith('scim_console'));
  assert.deepEqual(
    cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
    [['scim_console_session', true, 'Strict']],
  );
  await page.context().close();
});

test('an email the console has not invited is refused, saying why', async () => {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await signInAtProvider(page, 'mallory@contoso.example');
  await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
  await page.getByText('no active administrator of this console has that email').waitFor();
  assert.equal(await page.evaluate(() => fetch('/api/me').then((r) => r.status)), 401);
  await page.context().close();
});

test("a callback whose state is not this browser's is refused", async () => {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  // The flow starts here (its cookie set), but the provider's answer is forged.
  const start = await page.request.get(`${server.origin}/api/sign-in/oidc`, { maxRedirects: 0 });
  assert.equal(start.status(), 303);
  assert.match(start.headers().location, new RegExp(`^${provider.issuer}/auth\\?.*code_challenge_method=S256`));
  await page.goto(`${server.origin}/api/sign-in/oidc/callback?code=forged&state=not-the-state`);
  await page.getByText("the sign-in's state does not match this browser's").waitFor();
  await page.goto(`${server.origin}/api/sign-in/oidc/callback?code=forged&state=x`, { waitUntil: 'load' });
  await page.context().clearCookies();
  await page.goto(`${server.origin}/api/sign-in/oidc/callback?code=forged&state=x`);
  await page.getByText('this sign-in did not start here').waitFor();
  await page.context().close();
});

test('the provider is discovered once for every sign-in of five minutes', async () => {
  // Anyone may open the sign-in: the console must not call the provider each time.
  for (let i = 0; i < 5; i += 1) {
    const start = await fetch(`${server.origin}/api/sign-in/oidc`, { redirect: 'manual' });
    assert.equal(start.status, 303);
  }
  assert.equal(provider.discoveries(), 1);
});

test("a desktop app's sign-in comes back to the app's loopback address: a code for the invited, the reason for anyone else", async () => {
  const { createHash, randomBytes } = await import('node:crypto');
  const { createServer } = await import('node:http');
  // The app's side: a loopback listener noting what the browser brings back.
  const arrivals = [];
  const app = createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    // (The browser asks for a favicon too.)
    if (url.pathname === '/signed-in') arrivals.push(url);
    response.end('back in the app');
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  const redirect = `http://127.0.0.1:${app.address().port}/signed-in`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const start = (state) =>
    `${server.origin}/api/sign-in/oidc/desktop?` +
    new URLSearchParams({
      redirect_uri: redirect,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      device: 'ada-laptop',
    });
  try {
    // Someone the console has not invited: back to the app with why, and no session here.
    let page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await page.goto(start('first'));
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('mallory@contoso.example');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    await page.getByText('back in the app').waitFor();
    const refused = arrivals.at(-1);
    assert.equal(refused.searchParams.get('state'), 'first');
    assert.equal(refused.searchParams.get('error'), 'access_denied');
    assert.match(
      refused.searchParams.get('error_description'),
      /no active administrator of this console has that email/,
    );
    assert.equal(refused.searchParams.get('code'), null);
    await page.context().close();

    // Ada: back to the app with a code; no browser session opened on the console.
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await page.goto(start('second'));
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('ada@contoso.example');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    await page.getByText('back in the app').waitFor();
    const back = arrivals.at(-1);
    assert.equal(back.searchParams.get('state'), 'second');
    const code = back.searchParams.get('code');
    assert.ok(code);
    const cookies = (await page.context().cookies(server.origin)).filter((c) => c.name.startsWith('scim_console'));
    assert.deepEqual(cookies, []);
    await page.context().close();

    // The app exchanges it with its verifier, once, for a token named for the device.
    const exchange = (body) =>
      fetch(`${server.origin}/api/sign-in/desktop/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const answer = await exchange({ code, codeVerifier: verifier });
    assert.equal(answer.status, 200);
    const issued = await answer.json();
    assert.equal(issued.name, 'SCIM Console on ada-laptop');
    assert.match(issued.token, /^scap_/);
    const me = await fetch(`${server.origin}/api/me`, { headers: { Authorization: `Bearer ${issued.token}` } });
    assert.equal((await me.json()).administrator.email, 'ada@contoso.example');
    assert.equal((await exchange({ code, codeVerifier: verifier })).status, 401);

    // A start that names anything but a loopback address of the app is refused at once.
    const elsewhere = await fetch(
      start('third').replace(encodeURIComponent(redirect), encodeURIComponent('https://evil.example/cb')),
    );
    assert.equal(elsewhere.status, 400);
    assert.match(await elsewhere.text(), /loopback address/);
  } finally {
    await new Promise((resolve) => app.close(resolve));
  }
});

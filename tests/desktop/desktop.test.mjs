// The desktop app end to end: the real `scim-console-desktop` binary under Xvfb, driven over
// W3C WebDriver by tauri-driver and WebKitWebDriver. It starts its console runtime, shows the
// UI, creates a configuration and reads its token back, and the token opens the SCIM endpoint;
// then it connects to a deployed console (`scim-console serve` over self-signed TLS), works
// there, and refuses it once its certificate changes until the new one is confirmed; and it
// adds a deployed console with single sign-on by signing in in the system browser (a real
// OpenID Connect provider, headless Chromium as the browser).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBrowser } from '../browser/console.mjs';
import { reserveProvider, startProvider } from '../browser/oidc-provider.mjs';

const binary =
  process.env.SCIM_CONSOLE_DESKTOP_BIN ?? new URL('../../target/debug/scim-console-desktop', import.meta.url).pathname;
const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
const driverPort = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const consoleBinary =
  process.env.SCIM_CONSOLE_BIN ?? new URL('../../target/debug/scim-console', import.meta.url).pathname;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
mkdirSync(artifacts, { recursive: true });

let xvfb;
let display = process.env.DISPLAY;
let driver;
let dataDir;
let session;
let remote;
/** What else a test started, stopped after it. */
const cleanups = [];
/** This computer's console (the window's own), once known. */
let localOrigin;
const figures = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  if (process.env.WD_TRACE) console.error(`${new Date().toISOString()} wd ${method} ${path} ${body?.value ?? ''}`);
  const response = await fetch(`http://127.0.0.1:${driverPort}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer.value)}`);
  return answer.value;
}

/** Waits for an element (XPath) and returns its id. */
async function element(xpath, timeout = 20_000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      const found = await wd('POST', `/session/${session}/element`, {
        using: 'xpath',
        value: xpath,
      });
      return found[ELEMENT];
    } catch (e) {
      if (Date.now() > end) {
        // What the window showed instead, for whoever reads the failure.
        await screenshot(`desktop-missing-${Date.now()}`).catch(() => {});
        const shown = await wd('POST', `/session/${session}/execute/sync`, {
          script: 'return location.href + "\\n" + document.body.innerText.slice(0, 2000)',
          args: [],
        }).catch(() => '(unreadable)');
        throw new Error(`no element ${xpath}: ${e.message}\nThe page: ${shown}`);
      }
      await sleep(100);
    }
  }
}

/**
 * Clicks an element once it is in the middle of the view (WebDriver scrolls it to the bottom
 * edge, where the desktop's connection bar sits over the page).
 */
async function click(xpath) {
  const id = await element(xpath);
  await wd('POST', `/session/${session}/execute/sync`, {
    script: "arguments[0].scrollIntoView({ block: 'center' });",
    args: [{ [ELEMENT]: id }],
  });
  return wd('POST', `/session/${session}/element/${id}/click`, {});
}
const text = async (xpath) => (await wd('GET', `/session/${session}/element/${await element(xpath)}/text`)).trim();
const script = (body, args = []) => wd('POST', `/session/${session}/execute/async`, { script: body, args });

/**
 * A screenshot of the whole X display (WebKitWebDriver's own screenshot waits for a frame that
 * Xvfb without compositing never paints).
 */
async function screenshot(name) {
  await new Promise((resolve, reject) => {
    const shot = spawn('import', ['-display', display, '-window', 'root', join(artifacts, `${name}.png`)], {
      stdio: 'ignore',
    });
    shot.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`import exited ${code}`))));
  });
}

async function waitForDriver() {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${driverPort}/status`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('tauri-driver did not start');
}

before(async () => {
  const env = { ...process.env };
  if (!env.DISPLAY) {
    // A display of its own: Xvfb picks a free number and writes it to fd 3.
    xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1440x1000x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    const number = await new Promise((resolve, reject) => {
      let out = '';
      xvfb.stdio[3].on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
    });
    env.DISPLAY = `:${number}`;
    display = env.DISPLAY;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'scim-console-desktop-'));
  env.SCIM_CONSOLE_DATA_DIR = dataDir;
  // The platform's folders (log, WebKit's storage and cache), under the test's own folder: all
  // the app writes is there, to be searched for secrets.
  env.XDG_STATE_HOME = join(dataDir, 'state');
  env.XDG_CONFIG_HOME = join(dataDir, 'config');
  env.XDG_CACHE_HOME = join(dataDir, 'cache');
  // Login items go to ~/.config/autostart: a home of the test's own.
  env.HOME = join(dataDir, 'home');
  mkdirSync(env.HOME, { recursive: true });
  env.SCIM_CONSOLE_DESKTOP_PORT = '0';
  // The system browser, as xdg-open finds it (the default handler of http(s) links, or
  // $BROWSER without a display): a script noting the addresses it is asked to open (the test's
  // own Chromium then opens them).
  const browserScript = join(dataDir, 'browser');
  writeFileSync(browserScript, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${join(dataDir, 'browser-opened')}'\n`);
  chmodSync(browserScript, 0o755);
  env.BROWSER = browserScript;
  env.XDG_DATA_HOME = join(dataDir, 'data');
  mkdirSync(join(env.XDG_DATA_HOME, 'applications'), { recursive: true });
  mkdirSync(env.XDG_CONFIG_HOME, { recursive: true });
  writeFileSync(
    join(env.XDG_DATA_HOME, 'applications', 'scim-console-test-browser.desktop'),
    `[Desktop Entry]\nType=Application\nName=Test browser\nExec=${browserScript} %u\nTerminal=false\n`,
  );
  writeFileSync(
    join(env.XDG_CONFIG_HOME, 'mimeapps.list'),
    '[Default Applications]\nx-scheme-handler/https=scim-console-test-browser.desktop\nx-scheme-handler/http=scim-console-test-browser.desktop\n',
  );
  env.WEBKIT_DISABLE_COMPOSITING_MODE = '1';
  // The session bus and its unlocked keyring (xtask starts them) hold the app's secrets.
  driver = spawn('tauri-driver', ['--port', String(driverPort)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForDriver();
});

after(async () => {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  driver?.kill();
  xvfb?.kill();
  await remote?.stop();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (Object.keys(figures).length) console.log(`desktop figures: ${JSON.stringify(figures)}`);
});

test('the app starts its console and shows the UI', async () => {
  const started = Date.now();
  const created = await wd('POST', '/session', {
    // The console's page keeps live streams open (alerts, the log), which WebKit counts as a
    // load in progress: do not wait for loads to end, wait for elements instead.
    capabilities: { alwaysMatch: { 'tauri:options': { application: binary }, pageLoadStrategy: 'none' } },
  });
  session = created.sessionId;
  await element("//h1[contains(., 'SCIM configurations')]", 30_000);
  // Nothing is created on a desktop's first start: the empty state leads the way.
  await element("//*[contains(., 'No SCIM configuration yet')]");
  // The window is signed in as this computer's built-in owner, and says so.
  await element("//button[starts-with(@aria-label, 'Signed in as ') and contains(@aria-label, '(this computer)')]");
  figures.coldStartToInteractiveMs = Date.now() - started;
  await screenshot('desktop-01-first-start');
  // The app logs to a file of the day in the platform's log folder, too.
  const logs = join(dataDir, 'state', 'scim-console', 'logs');
  const files = readdirSync(logs).filter((f) => /^scim-console\.\d{4}-\d{2}-\d{2}\.log$/.test(f));
  assert.equal(files.length, 1, `log files: ${readdirSync(logs)}`);
  assert.match(readFileSync(join(logs, files[0]), 'utf8'), /console running/);
});

test('creating a configuration in the window shows its token, and the token works', async () => {
  await click("//button[normalize-space(.)='Configure provisioning']");
  const name = await element("//input[@id=//label[starts-with(normalize-space(.), 'Name')]/@for]");
  await wd('POST', `/session/${session}/element/${name}/value`, {
    text: 'Desktop Entra',
  });
  await click("//button[normalize-space(.)='Add']");
  const token = await text("//*[@data-testid='new-token']");
  const baseUrl = await text("//*[@data-testid='new-base-url']");
  assert.match(token, /^scim_[a-z0-9]{8}_/);
  assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/scim\/desktop-entra\/v2$/);
  localOrigin = new URL(baseUrl).origin;
  await screenshot('desktop-02-token');
  const users = await fetch(`${baseUrl}/Users`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(users.status, 200);
  const refused = await fetch(`${baseUrl}/Users`, {
    headers: { Authorization: 'Bearer scim_wrong' },
  });
  assert.equal(refused.status, 401);
});

test("the page may call the shell's own commands and nothing else", async () => {
  const results = await script(`
    const done = arguments[arguments.length - 1];
    const invoke = window.__TAURI__.core.invoke;
    const outcome = (p) => p.then(() => 'allowed', (e) => 'refused: ' + String(e));
    Promise.all([
      outcome(invoke('copy_text', { text: 'from the desktop test' })),
      outcome(invoke('plugin:opener|open_url', { url: 'https://example.com' })),
      outcome(invoke('plugin:notification|notify', { options: { title: 'x' } })),
    ]).then(done);
  `);
  assert.equal(results[0], 'allowed');
  assert.match(results[1], /^refused/);
  assert.match(results[2], /^refused/);
});

/** The id of the input labelled `label` (its text starts so). */
const input = (label) => element(`//input[@id=//label[starts-with(normalize-space(.), "${label}")]/@for]`);
async function type(label, value) {
  // The page may render again between finding the input and typing (a navigation finishing):
  // the input is found again.
  for (let attempt = 1; ; attempt += 1) {
    const id = await input(label);
    try {
      await wd('POST', `/session/${session}/element/${id}/clear`, {});
      await wd('POST', `/session/${session}/element/${id}/value`, { text: value });
      return;
    } catch (e) {
      if (attempt === 3 || !e.message.includes('stale element')) throw e;
      await sleep(200);
    }
  }
}
/** Ticks a checkbox or radio by its label (Mantine draws over the input itself). */
const tick = async (label) => click(`//label[starts-with(normalize-space(.), "${label}")]`);

/** A free TCP port on loopback (the remote keeps it across restarts: its address is the connection's). */
async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** `scim-console --data-dir DIR …` on the remote's folder, with no keyring (its key in a file). */
function cli(dir, ...args) {
  return execFileSync(consoleBinary, ['--data-dir', dir, ...args], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '', SCIM_CONSOLE_LOG: 'warn' },
    encoding: 'utf8',
  });
}

/** `scim-console serve --tls-self-signed` on `port` (with `args`, `env`); the fingerprint it prints, and a stop. */
async function serveRemote(dir, port, { args = [], env = {} } = {}) {
  const child = spawn(
    consoleBinary,
    ['--data-dir', dir, 'serve', '--port', String(port), '--tls-self-signed', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '', SCIM_CONSOLE_LOG: 'warn', ...env },
    },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const printed = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the remote did not start:\n${out}\n${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('SCIM base URL')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`the remote exited (${code}):\n${out}\n${err}`)));
  });
  const fingerprint = /TLS certificate SHA-256: (\S+)/.exec(printed)[1];
  return {
    fingerprint,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The names of the X display's windows. */
function windowNames() {
  return execFileSync('xwininfo', ['-display', display, '-root', '-tree'], { encoding: 'utf8' });
}

async function waitFor(check, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

/** Every file under `dir` whose bytes hold `needle`. */
function filesHolding(dir, needle) {
  const found = [];
  for (const name of readdirSync(dir, { recursive: true })) {
    const path = join(dir, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isFile() && readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

test('a deployed console over self-signed TLS is added, used and left, and refused when its certificate changes', async () => {
  // The deployed console: an owner with a personal API token, serving HTTPS with a self-signed
  // certificate (and, on its first start, the configuration "default" with a token).
  const remoteDir = mkdtempSync(join(tmpdir(), 'scim-console-remote-'));
  const port = await freePort();
  cli(remoteDir, 'admin', 'create', '--email', 'ops@contoso.example', '--role', 'owner');
  const token = cli(remoteDir, 'api-token', 'create', '--admin', 'ops@contoso.example', '--name', 'desktop')
    .trim()
    .split('\n')
    .at(-1);
  assert.match(token, /^scap_/);
  let served = await serveRemote(remoteDir, port);
  remote = {
    stop: async () => {
      await served.stop();
      rmSync(remoteDir, { recursive: true, force: true });
    },
  };
  const url = `https://127.0.0.1:${port}`;

  // Connections: the address is looked at first; its certificate's fingerprint is the one
  // `serve` printed, confirmed before anything else is asked.
  // The navigation offers Connections in the desktop app (the token dialog of the test before
  // is still open over it: the page is opened by its address).
  await element("//nav//a[normalize-space(.)='Connections']");
  await wd('POST', `/session/${session}/execute/sync`, { script: "location.assign('/connections')", args: [] });
  await element("//h1[normalize-space(.)='Connections']");
  await element("//*[@id='scim-console-connection-bar' and @data-connection='This computer']");
  await type('Address', url);
  await click("//button[normalize-space(.)='Check the console']");
  assert.equal(await text("//*[@data-testid='presented-fingerprint']"), served.fingerprint);
  await screenshot('desktop-03-certificate');
  await tick('I compared it');
  await type('Name', 'QA remote');
  await tick('Red');
  await type('API token', token);
  await click("//button[normalize-space(.)='Add connection']");
  await element(
    "//table[@aria-label='Connections']//tr[contains(., 'QA remote') and contains(., 'ops@contoso.example')]",
  );

  // The token is in the keychain, and in no file the app wrote.
  const [connection] = JSON.parse(readFileSync(join(dataDir, 'connections.json'), 'utf8'));
  assert.equal(connection.name, 'QA remote');
  assert.deepEqual(connection.trust, { pinned: served.fingerprint });
  const kept = execFileSync(
    'secret-tool',
    ['lookup', 'service', 'scim-console', 'username', `connection:${connection.id}`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(kept.trim(), token);
  assert.deepEqual(filesHolding(dataDir, token), []);

  // Opened: the remote's own pages, its configurations (not this computer's), its name in the
  // bar and the window's title.
  await click("//button[@aria-label='Open QA remote']");
  await element("//*[@id='scim-console-connection-bar' and @data-connection='QA remote']", 30_000);
  await element("//h1[contains(., 'SCIM configurations')]");
  await element("//table//*[normalize-space(.)='default']");
  assert.equal(
    await wd('POST', `/session/${session}/elements`, {
      using: 'xpath',
      value: "//*[normalize-space(.)='Desktop Entra']",
    }).then((f) => f.length),
    0,
  );
  await waitFor(() => windowNames().includes('QA remote'), 'the window title names the connection');
  await screenshot('desktop-04-remote');

  // A token rotated there, by Ops.
  await click("//table//a[normalize-space(.)='default'] | //table//button[normalize-space(.)='default']");
  await click("//*[@role='tab' and starts-with(normalize-space(.), 'Tokens')]");
  await click("//table[@aria-label='Tokens']//button[normalize-space(.)='Rotate']");
  // The dialog settles (it fades in) before its button is pressed.
  await element("//*[@role='dialog' and .//button[normalize-space(.)='Rotate']]");
  await sleep(500);
  await click("//*[@role='dialog']//button[normalize-space(.)='Rotate']");
  await element("//*[@data-testid='issued-token']", 30_000);
  await click("//button[normalize-space(.)='I have copied it']");
  const tokens = JSON.parse(cli(remoteDir, 'token', 'list', '--config', 'default', '--json'));
  assert.equal(tokens.length, 2, JSON.stringify(tokens));
  assert.match(cli(remoteDir, 'audit', 'list', '--action', 'token.rotate', '--json'), /ops@contoso\.example/);

  // Back to this computer.
  await click("//*[@id='scim-console-connection-bar']//a[normalize-space(.)='Switch console']");
  await element("//*[@id='scim-console-connection-bar' and @data-connection='This computer']");
  await element("//h1[normalize-space(.)='Connections']");
  await waitFor(() => windowNames().includes('This computer'), 'the window title names this computer');

  // The remote's certificate changes (a new self-signed one): refused, both fingerprints shown,
  // until the new one is confirmed.
  await served.stop();
  rmSync(join(remoteDir, 'tls'), { recursive: true, force: true });
  served = await serveRemote(remoteDir, port);
  assert.notEqual(served.fingerprint, connection.trust.pinned);
  await click("//button[@aria-label='Open QA remote']");
  assert.equal(await text("//*[@data-testid='changed-fingerprint']"), served.fingerprint);
  assert.equal(await text("//*[@data-testid='pinned-fingerprint']"), connection.trust.pinned);
  await element("//*[@id='scim-console-connection-bar' and @data-connection='This computer']");
  await screenshot('desktop-05-certificate-changed');
  await tick('I compared it with the fingerprint the server printed');
  await click("//button[normalize-space(.)='Trust the new certificate and open']");
  await element("//*[@id='scim-console-connection-bar' and @data-connection='QA remote']", 30_000);
  await element("//table//*[normalize-space(.)='default']");
  const [trusted] = JSON.parse(readFileSync(join(dataDir, 'connections.json'), 'utf8'));
  assert.deepEqual(trusted.trust, { pinned: served.fingerprint });
  await click("//*[@id='scim-console-connection-bar']//a[normalize-space(.)='Switch console']");
  await element("//h1[normalize-space(.)='Connections']");
  assert.deepEqual(filesHolding(dataDir, token), []);
});

test('a deployed console with single sign-on is added by signing in in the system browser', async () => {
  // The deployed console signs administrators in through a real OpenID Connect provider.
  const remoteDir = mkdtempSync(join(tmpdir(), 'scim-console-sso-remote-'));
  cleanups.push(async () => rmSync(remoteDir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const reserved = await reserveProvider();
  const clientSecret = 'the-consoles-secret-at-the-provider';
  const provider = await startProvider(reserved, {
    clientId: 'scim-console',
    clientSecret,
    redirectUri: `${url}/api/sign-in/oidc/callback`,
  });
  cleanups.push(() => provider.stop());
  cli(remoteDir, 'admin', 'create', '--email', 'ada@contoso.example', '--role', 'editor');
  const served = await serveRemote(remoteDir, port, {
    args: ['--oidc-issuer', reserved.issuer, '--oidc-client-id', 'scim-console', '--oidc-name', 'Contoso SSO'],
    env: { SCIM_CONSOLE_OIDC_CLIENT_SECRET: clientSecret },
  });
  cleanups.push(() => served.stop());
  const browser = await startBrowser();
  cleanups.push(() => browser.close());

  await wd('POST', `/session/${session}/url`, { url: `${localOrigin}/connections` });
  await element("//h1[normalize-space(.)='Connections']");
  await type('Address', url);
  await click("//button[normalize-space(.)='Check the console']");
  assert.equal(await text("//*[@data-testid='presented-fingerprint']"), served.fingerprint);
  await tick('I compared it');
  await type('Name', 'SSO remote');
  await tick('Green');
  // The console has a provider: signing in in the browser is offered first.
  await click("//button[normalize-space(.)='Sign in with Contoso SSO']");
  const address = await text("//*[@data-testid='sign-in-address']");
  assert.ok(address.startsWith(`${url}/api/sign-in/oidc/desktop?`), address);
  // The app asked the system to open it in the browser.
  await waitFor(() => {
    try {
      return readFileSync(join(dataDir, 'browser-opened'), 'utf8').includes(address);
    } catch {
      return false;
    }
  }, 'the system browser is asked to open the sign-in');
  await screenshot('desktop-06-browser-sign-in');

  // The browser: the provider's login and consent as Ada, then back to the app's loopback
  // address, whose page says how it went.
  const signInInBrowser = async (at) => {
    const tab = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await tab.goto(at);
    await tab.waitForURL((u) => u.origin === provider.issuer);
    await tab.locator('input[name="login"]').fill('ada@contoso.example');
    await tab.locator('input[name="password"]').fill('anything');
    await tab.locator('button[type="submit"]').click();
    await tab.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    await tab.getByRole('heading', { name: 'Signed in' }).waitFor();
    return tab;
  };
  const page = await signInInBrowser(address);
  assert.match(new URL(page.url()).origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  await page.getByText(`SCIM Console is signed in to ${url}`).waitFor();

  // The window lists the connection, signed in as Ada.
  await element(
    "//table[@aria-label='Connections']//tr[contains(., 'SSO remote') and contains(., 'ada@contoso.example')]",
    30_000,
  );
  const added = JSON.parse(readFileSync(join(dataDir, 'connections.json'), 'utf8')).find(
    (c) => c.name === 'SSO remote',
  );
  assert.deepEqual(added.trust, { pinned: served.fingerprint });
  // The token the sign-in bought is in the keychain, in no file, named for this computer and
  // carrying Ada's role; its creation is audited as hers.
  const kept = execFileSync(
    'secret-tool',
    ['lookup', 'service', 'scim-console', 'username', `connection:${added.id}`],
    { encoding: 'utf8' },
  ).trim();
  assert.match(kept, /^scap_/);
  assert.deepEqual(filesHolding(dataDir, kept), []);
  const tokens = JSON.parse(cli(remoteDir, 'api-token', 'list', '--admin', 'ada@contoso.example', '--json'));
  assert.equal(tokens.length, 1, JSON.stringify(tokens));
  assert.match(tokens[0].name, /^SCIM Console on ./);
  assert.deepEqual(tokens[0].roles, ['editor']);
  assert.match(
    cli(remoteDir, 'audit', 'list', '--action', 'administrator.api-token.create', '--json'),
    /ada@contoso\.example/,
  );
  await page.context().close();

  // Opened: the remote's pages, as Ada.
  await click("//button[@aria-label='Open SSO remote']");
  await element("//*[@id='scim-console-connection-bar' and @data-connection='SSO remote']", 30_000);
  await element("//h1[contains(., 'SCIM configurations')]");
  await wd('POST', `/session/${session}/url`, { url: `${localOrigin}/connections` });
  await element("//h1[normalize-space(.)='Connections']");

  // The token is revoked there (or expires): opening is refused, and the connection signs in
  // again in the browser, its new token in the keychain in place of the old.
  cli(remoteDir, 'api-token', 'revoke', '--admin', 'ada@contoso.example', tokens[0].id);
  await click("//button[@aria-label='Open SSO remote']");
  await click("//button[normalize-space(.)='Sign in again with Contoso SSO']");
  const again = await text("//*[@data-testid='sign-in-address']");
  await (await signInInBrowser(again)).context().close();
  await element("//*[@id='scim-console-connection-bar' and @data-connection='SSO remote']", 30_000);
  const renewed = execFileSync(
    'secret-tool',
    ['lookup', 'service', 'scim-console', 'username', `connection:${added.id}`],
    { encoding: 'utf8' },
  ).trim();
  assert.match(renewed, /^scap_/);
  assert.notEqual(renewed, kept);
  assert.deepEqual(filesHolding(dataDir, renewed), []);
  await wd('POST', `/session/${session}/url`, { url: `${localOrigin}/connections` });
  await element("//h1[normalize-space(.)='Connections']");
});

test('start at login is opt-in: Settings adds the login item (starting in the tray) and takes it away', async () => {
  const autostart = join(dataDir, 'home', '.config', 'autostart');
  const items = () => {
    try {
      return readdirSync(autostart).filter((f) => f.endsWith('.desktop'));
    } catch {
      return [];
    }
  };
  assert.deepEqual(items(), [], 'nothing at login until asked');
  // This computer's console, whatever the window showed last.
  await wd('POST', `/session/${session}/url`, { url: `${localOrigin}/settings` });
  const toggle =
    "//input[@role='switch' and @id=//label[starts-with(normalize-space(.), 'Start SCIM Console when I sign in')]/@for]";
  await element(toggle);
  await tick('Start SCIM Console when I sign in');
  await waitFor(() => items().length === 1, 'the login item is written');
  const item = readFileSync(join(autostart, items()[0]), 'utf8');
  assert.match(item, /^Exec=.*scim-console-desktop.* --in-tray/m);
  await tick('Start SCIM Console when I sign in');
  await waitFor(() => items().length === 0, 'the login item is removed');
});

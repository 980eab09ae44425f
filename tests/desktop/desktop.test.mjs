// The desktop app end to end: the real `scim-console-desktop` binary under Xvfb, driven over
// W3C WebDriver by tauri-driver and WebKitWebDriver. It starts its console runtime, shows the
// UI, creates a configuration and reads its token back, and the token opens the SCIM endpoint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const binary =
  process.env.SCIM_CONSOLE_DESKTOP_BIN ?? new URL('../../target/debug/scim-console-desktop', import.meta.url).pathname;
const artifacts = process.env.E2E_ARTIFACTS ?? new URL('../../target/e2e-artifacts', import.meta.url).pathname;
const driverPort = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
mkdirSync(artifacts, { recursive: true });

let xvfb;
let display = process.env.DISPLAY;
let driver;
let dataDir;
let session;
const figures = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  if (process.env.WD_TRACE) console.error(`wd ${method} ${path}`);
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
      if (Date.now() > end) throw new Error(`no element ${xpath}: ${e.message}`);
      await sleep(100);
    }
  }
}

const click = async (xpath) => wd('POST', `/session/${session}/element/${await element(xpath)}/click`, {});
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
  // The platform's log folder, under the test's own folder.
  env.XDG_STATE_HOME = join(dataDir, 'state');
  env.SCIM_CONSOLE_DESKTOP_PORT = '0';
  env.WEBKIT_DISABLE_COMPOSITING_MODE = '1';
  // No session bus: the master key falls back to a file in the data folder.
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

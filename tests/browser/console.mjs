// Starts a real `scim-console serve` on a temporary data folder and a free port, and Debian's
// Chromium (headless) through playwright-core: what the browser end-to-end tests drive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../ui/package.json', import.meta.url));
const { chromium } = require('playwright-core');

/** The scim-console binary: $SCIM_CONSOLE_BIN, else the workspace's debug build. */
export function binary() {
  if (process.env.SCIM_CONSOLE_BIN) return process.env.SCIM_CONSOLE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? new URL('../../target', import.meta.url).pathname;
  return join(target, 'debug', 'scim-console');
}

/** A running console: its origin, admin link, first token, and a stop function; `args` and
 * `env` are added to `serve`'s. */
export async function startConsole({ args = [], env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-console-e2e-'));
  const child = spawn(binary(), ['--data-dir', dataDir, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SCIM_CONSOLE_LOG: 'warn',
      DBUS_SESSION_BUS_ADDRESS: '',
      ...env,
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const printed = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`scim-console did not start:\n${out}\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('The token is shown only now')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`scim-console exited (${code}):\n${out}\n${stderr}`)));
  });
  const adminLink = /Admin console: (\S+)/.exec(printed)[1];
  const origin = new URL(adminLink).origin;
  const token = /Bearer token:\s+(\S+)/.exec(printed)[1];
  const adminToken = /Admin token:\s+(\S+)/.exec(printed)[1];
  return {
    origin,
    adminLink,
    token,
    adminToken,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with nothing reaching for the network. */
export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A SCIM request with a bearer token. */
export async function scim(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/scim+json',
      Accept: 'application/scim+json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The admin API of `server` with its admin token; fails the test on an error answer. */
export async function adminApi(server, method, path, body) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The plan the mapping editor holds, as its Export button saves it (the code editor shows only
 * the lines in view, so its text is read the way a user takes it away). */
export async function planText(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export', exact: true }).click(),
  ]);
  return readFile(await download.path(), 'utf8');
}

/** Runs axe-core on `page` (on its open dialog, if one is open); fails on serious and critical
 * violations. */
export async function checkAccessible(page, where) {
  // Let opening transitions end: half-faded text would be measured as low contrast.
  await page.waitForTimeout(400);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    // With a dialog open, what lies under its overlay is out of reach: check the dialog.
    const dialog = document.querySelector('[role="dialog"]');
    // eslint-disable-next-line no-undef
    const r = await axe.run(dialog ?? document, {
      resultTypes: ['violations'],
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
      );
  });
  assert.deepEqual(result, [], `accessibility problems on ${where}`);
}

/** Runs axe-core on the whole page; fails on any violation, whatever its impact (minor and
 * moderate included). */
export async function checkNoViolations(page, where) {
  await page.waitForTimeout(400);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const dialog = document.querySelector('[role="dialog"]');
    // eslint-disable-next-line no-undef
    const r = await axe.run(dialog ?? document, { resultTypes: ['violations'] });
    return r.violations.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
  });
  assert.deepEqual(result, [], `accessibility violations on ${where}`);
}

/** What a page must hold at any width: one `h1`, and nothing wider than the window. */
export async function checkLayout(page, where) {
  const { h1, scroll, width } = await page.evaluate(() => ({
    h1: document.querySelectorAll('h1').length,
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.equal(h1, 1, `${where} has ${h1} h1 headings`);
  assert.ok(scroll <= width, `${where} is ${scroll} px wide in a ${width} px window`);
}

/** Collects the console errors and uncaught exceptions of `page`. */
export function consoleErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** The TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 `secret` at `seconds`. */
export function totpCode(secret, seconds) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) key.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac('sha1', Buffer.from(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A console, Chromium and one page at 1360×900 — what most browser test files start with. */
export async function startSession() {
  const server = await startConsole();
  const browser = await startBrowser();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  return {
    server,
    browser,
    page,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}

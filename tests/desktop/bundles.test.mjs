// The desktop app's packages, installed and started as a user would: the .deb installed with
// `dpkg -i` (as root; unpacked with `dpkg-deb -x` otherwise) and the .rpm unpacked with
// `rpm2cpio | cpio`; each package's program started under Xvfb, its console answering
// `/api/health` with the package's version and its window titled, then stopped. The AppImage
// is not made here: Tauri's AppImage bundler downloads linuxdeploy from GitHub.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const bundles = process.env.SCIM_CONSOLE_BUNDLES ?? new URL('../../target/debug/bundle', import.meta.url).pathname;
const version = JSON.parse(
  execFileSync('cat', [new URL('../../tauri.conf.json', import.meta.url).pathname], { encoding: 'utf8' }),
).version;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let xvfb;
let display;
const cleanups = [];

/** The one file with extension `ext` in the bundle folder `kind`. */
function bundle(kind, ext) {
  const dir = join(bundles, kind);
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(`.${ext}`)) : [];
  assert.equal(found.length, 1, `one .${ext} in ${dir}: ${found.join(', ')}`);
  return join(dir, found[0]);
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts `program` as a fresh user would, waits for its console and window, then stops it. */
async function startAndStop(program, what) {
  const home = mkdtempSync(join(tmpdir(), 'scim-console-bundle-home-'));
  cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
  const port = await freePort();
  const app = spawn(program, [], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      DISPLAY: display,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_STATE_HOME: join(home, '.local/state'),
      XDG_CACHE_HOME: join(home, '.cache'),
      SCIM_CONSOLE_DATA_DIR: join(home, 'data'),
      SCIM_CONSOLE_DESKTOP_PORT: String(port),
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
    },
  });
  let err = '';
  app.stderr.on('data', (d) => (err += d));
  let exited = null;
  app.on('exit', (code) => (exited = code));
  try {
    const end = Date.now() + 60_000;
    let health = null;
    while (Date.now() < end && exited === null) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/health`);
        if (r.ok) {
          health = await r.json();
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    assert.ok(health, `${what}: its console never answered (exit ${exited}):\n${err.slice(-3000)}`);
    assert.equal(health.version, version, `${what}: the console's version`);
    const windowUp = Date.now() + 30_000;
    for (;;) {
      const tree = execFileSync('xwininfo', ['-display', display, '-root', '-tree'], { encoding: 'utf8' });
      if (tree.includes('SCIM Console')) break;
      assert.ok(Date.now() < windowUp, `${what}: no window titled SCIM Console:\n${tree}`);
      await sleep(200);
    }
  } finally {
    if (exited === null) {
      app.kill('SIGTERM');
      await new Promise((r) => app.once('exit', r));
    }
  }
}

/** Where a package put the program (`usr/bin/<name>`), under `root`. */
function programUnder(root) {
  const bin = join(root, 'usr', 'bin');
  const programs = readdirSync(bin);
  assert.equal(programs.length, 1, `one program in ${bin}: ${programs.join(', ')}`);
  return join(bin, programs[0]);
}

before(async () => {
  xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  display = await new Promise((resolve, reject) => {
    let out = '';
    xvfb.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  xvfb?.kill();
});

test('the .deb installs the app, its menu entry and icons, and the installed app starts its console', async () => {
  const deb = bundle('deb', 'deb');
  const name = execFileSync('dpkg-deb', ['-f', deb, 'Package'], { encoding: 'utf8' }).trim();
  const contents = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
  assert.match(contents, /usr\/share\/applications\/[^\n]+\.desktop/);
  assert.match(contents, /usr\/share\/icons\/hicolor\/128x128\/apps\//);
  let program;
  if (process.getuid?.() === 0) {
    execFileSync('dpkg', ['-i', deb], { stdio: 'inherit' });
    cleanups.push(async () => execFileSync('dpkg', ['-r', name], { stdio: 'inherit' }));
    const files = execFileSync('dpkg', ['-L', name], { encoding: 'utf8' }).split('\n');
    program = files.find((f) => f.startsWith('/usr/bin/'));
    assert.ok(program, `dpkg -L ${name} lists no program:\n${files.join('\n')}`);
  } else {
    const root = mkdtempSync(join(tmpdir(), 'scim-console-deb-'));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    execFileSync('dpkg-deb', ['-x', deb, root]);
    program = programUnder(root);
  }
  await startAndStop(program, 'the .deb');
});

test('the .rpm holds the app, its menu entry and icons, and its app starts its console', async () => {
  const rpm = bundle('rpm', 'rpm');
  const root = mkdtempSync(join(tmpdir(), 'scim-console-rpm-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: root });
  const listed = execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -t --quiet', 'sh', rpm], { encoding: 'utf8' });
  assert.match(listed, /usr\/share\/applications\/[^\n]+\.desktop/);
  assert.match(listed, /usr\/share\/icons\/hicolor\/128x128\/apps\//);
  await startAndStop(programUnder(root), 'the .rpm');
});

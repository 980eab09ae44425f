// Benchmark (not a test): the provisioning log's table with 100,000 records, scrolled top to
// bottom in headless Chromium, frame times measured with the Performance API
// (requestAnimationFrame timestamps). The console is real; the log pages it serves are made
// here (page.route), so the figure is the UI's, not the store's. Also reports the gzipped size
// of what the first page loads. Run with `cargo xtask bench ui`.
import { gzipSync } from 'node:zlib';
import { startBrowser, startConsole } from './console.mjs';

const TOTAL = Number(process.env.ROWS ?? 100_000);
const PAGE = 1000;

function entry(seq) {
  const ops = ['create', 'update', 'query', 'delete', 'membershipChange'];
  return {
    seq,
    at: new Date(Date.UTC(2026, 10, 30, 12, 0, 0) - (TOTAL - seq) * 1000).toISOString(),
    configurationId: '00000000-0000-4000-8000-000000000000',
    client: seq % 3 === 0 ? 'okta' : 'entra',
    source: '203.0.113.7',
    method: seq % 5 === 2 ? 'GET' : 'PATCH',
    path: `/scim/default/v2/Users/${seq.toString(16).padStart(8, '0')}`,
    operation: ops[seq % ops.length],
    status: seq % 97 === 0 ? 409 : 200,
    outcome: seq % 97 === 0 ? 'failure' : 'success',
    durationUs: 400 + (seq % 900),
    resourceName: `user${seq}@contoso.example`,
  };
}

const server = await startConsole();
const browser = await startBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  // The first page's transfer, gzipped as a server would send it.
  let firstPageBytes = 0;
  page.on('response', async (response) => {
    const type = response.request().resourceType();
    if (['script', 'stylesheet', 'document'].includes(type)) {
      try {
        firstPageBytes += gzipSync(await response.body()).length;
      } catch {
        // redirects have no body
      }
    }
  });
  await page.goto(server.adminLink);
  await page.getByRole('heading', { name: 'SCIM configurations' }).waitFor();
  const firstPageKb = firstPageBytes / 1024;

  await page.route('**/api/logs?*', (route) => {
    const url = new URL(route.request().url());
    const before = Number(url.searchParams.get('before') ?? TOTAL + 1);
    const entries = [];
    for (let seq = before - 1; seq > Math.max(0, before - 1 - PAGE); seq--) entries.push(entry(seq));
    const last = entries[entries.length - 1]?.seq ?? 1;
    route.fulfill({ json: { entries, next: last > 1 ? last : null } });
  });
  await page.route('**/api/logs/stream*', (route) => route.abort());
  await page.getByRole('link', { name: 'Provisioning logs' }).click();
  await page.getByRole('switch', { name: 'Live' }).uncheck();
  const scroller = page.getByTestId('log-scroller');
  await scroller.waitFor();
  // Load every page: scrolling to the end asks for the next one.
  const loadStart = Date.now();
  for (;;) {
    const shown = await page.evaluate(() => document.querySelector('[role="table"]')?.getAttribute('aria-rowcount'));
    if (Number(shown) - 1 >= TOTAL - 1) break;
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForTimeout(20);
    if (Date.now() - loadStart > 300_000) throw new Error(`only ${shown} rows after 5 minutes`);
  }
  const loadSeconds = (Date.now() - loadStart) / 1000;

  // Scroll top to bottom at two speeds (px per frame), recording each frame's time.
  const passes = {};
  for (const step of [120, 600]) {
    const result = await scroller.evaluate(
      (el, stepPx) =>
        new Promise((resolve) => {
          el.scrollTop = 0;
          const times = [];
          const next = () => {
            times.push(performance.now());
            if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || times.length > 20_000) {
              resolve({ times, rowsInDom: el.querySelectorAll('[data-seq]').length });
              return;
            }
            el.scrollTop += stepPx;
            requestAnimationFrame(next);
          };
          requestAnimationFrame(next);
        }),
      step,
    );
    const gaps = result.times.slice(1).map((t, i) => t - result.times[i]);
    gaps.sort((a, b) => a - b);
    const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
    passes[`${step}pxPerFrame`] = {
      frames: gaps.length,
      frameMsMedian: Number(q(0.5).toFixed(2)),
      frameMsP95: Number(q(0.95).toFixed(2)),
      frameMsMax: Number(gaps[gaps.length - 1].toFixed(2)),
      framesOver25ms: gaps.filter((g) => g > 25).length,
      rowsInDom: result.rowsInDom,
    };
  }
  console.log(
    JSON.stringify(
      { rows: TOTAL, firstPageGzipKiB: Number(firstPageKb.toFixed(1)), loadAllPagesSeconds: loadSeconds, ...passes },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.stop();
}

// Browser test: serve web/dist on 127.0.0.1, open it in headless Chromium (Debian's, WebGL2
// through SwiftShader), wait for the first frame, check the console stays clean, press play
// and watch the event index advance through window.docknet.status(), then open a second
// scenario by ?scenario= and the first again by a #s= share link; then a compose file and its
// .env from disk through the file input, and that again by its share link. Screenshots go to
// OUT_DIR.
// Usage: node web/test.mjs OUT_DIR   (prints one JSON line of measurements on success)
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const out = process.argv[2] || path.join(here, 'test-output');
fs.mkdirSync(out, { recursive: true });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.ron': 'text/plain', '.png': 'image/png', '.ttf': 'font/ttf' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let file = path.join(dist, decodeURIComponent(url.pathname));
  if (file !== dist && !file.startsWith(dist + path.sep)) { res.writeHead(403).end(); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/`;

const fail = async (msg) => {
  console.error('FAIL: ' + msg);
  await browser?.close();
  server.close();
  process.exit(1);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const errors = [];
page.on('console', (m) => {
  // winit leaves the JS event loop by throwing on purpose; that is not an error.
  if (m.type() === 'error' && !m.text().includes('Using exceptions for control flow')) errors.push(m.text());
});
page.on('response', (r) => {
  if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
});
page.on('pageerror', (e) => {
  if (!String(e).includes('Using exceptions for control flow')) errors.push(String(e));
});

const status = () => page.evaluate(() => window.docknet ? window.docknet.status() : {});
const waitFor = async (what, pred, ms) => {
  const end = Date.now() + ms;
  for (;;) {
    const s = await status().catch(() => ({}));
    if (pred(s)) return s;
    if (errors.length) await fail(`${what}: console error: ${errors.join('\n')}`);
    if (Date.now() > end) await fail(`${what}: timed out; last status ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
};

await page.goto(base, { waitUntil: 'load' });
const first = await waitFor('first frame', (s) => s.title && s.total > 0, 120000);
const firstFrameMs = await page.evaluate(() => window.docknetFirstFrame);
await page.waitForTimeout(1500);
await page.screenshot({ path: path.join(out, '1-default.png') });
if (first.event !== 0) await fail(`the lesson should start at event 0, is at ${first.event}`);

// Press play with the keyboard, as a learner would (the canvas has focus after a click).
await page.mouse.click(640, 400);
await page.keyboard.press('Space');
const moved = await waitFor('playback', (s) => s.event > first.event + 5, 30000);
await page.screenshot({ path: path.join(out, '2-playing.png') });
const fragment = await page.evaluate(() => window.docknet.shareFragment());

await page.goto(base + '?scenario=modes/bridge', { waitUntil: 'load' });
const bridge = await waitFor('?scenario=modes/bridge', (s) => s.file === 'modes/bridge', 120000);
await page.waitForTimeout(1000);
await page.screenshot({ path: path.join(out, '3-modes-bridge.png') });

await page.goto(base + '#' + fragment, { waitUntil: 'load' });
const shared = await waitFor('#s= link', (s) => s.file === 'shared link', 120000);
if (shared.title !== first.title) await fail(`the share link opened "${shared.title}", not "${first.title}"`);
await page.screenshot({ path: path.join(out, '4-shared-link.png') });

// A compose file and its .env from disk, through the page's file input (as "Open file" does).
const composeDir = path.join(out, 'compose-upload');
fs.mkdirSync(composeDir, { recursive: true });
fs.writeFileSync(path.join(composeDir, 'compose.yaml'),
  'name: upload\nservices:\n  web:\n    image: nginx\n    ports: ["${WEB_PORT}:80"]\n  db:\n    image: postgres\n' +
  'x-docknet:\n  title: Uploaded compose\n  traffic:\n    - Tcp: {from: upload-web-1, to: "db:5432"}\n');
fs.writeFileSync(path.join(composeDir, '.env'), 'WEB_PORT=8088\n');
await page.setInputFiles('#file', [path.join(composeDir, 'compose.yaml'), path.join(composeDir, '.env')]);
const uploaded = await waitFor('compose file from disk', (s) => s.title === 'Uploaded compose' && s.total > 0, 120000);
if (uploaded.error) await fail(`the compose file opened with an error: ${uploaded.error}`);
await page.waitForTimeout(1000);
await page.screenshot({ path: path.join(out, '5-compose-file.png') });
const composeFragment = await page.evaluate(() => window.docknet.shareFragment());
await page.goto(base + '?scenario=compose/shop', { waitUntil: 'load' });
await waitFor('?scenario=compose/shop', (s) => s.file === 'compose/shop', 120000);
await page.goto(base + '#' + composeFragment, { waitUntil: 'load' });
const composeShared = await waitFor('compose #s= link', (s) => s.file === 'shared link', 120000);
if (composeShared.title !== 'Uploaded compose') await fail(`the compose share link opened "${composeShared.title}"`);
await page.screenshot({ path: path.join(out, '6-compose-shared-link.png') });

if (errors.length) await fail('console errors: ' + errors.join('\n'));
console.log(JSON.stringify({ firstFrameMs: Math.round(firstFrameMs), title: first.title, played: moved.event, bridge: bridge.title, shareFragmentChars: fragment.length, compose: uploaded.title, composeFragmentChars: composeFragment.length }));
await browser.close();
server.close();

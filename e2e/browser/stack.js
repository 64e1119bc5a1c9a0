'use strict';
// Real parts for the browser call test: a coturn relay on loopback, headless Chromium through
// playwright-core, pages whose console is recorded, and a stand-in for the jar's HTTP server.
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { freePort, sleep } = require('../harness');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];
const WEB_DIR = path.resolve(__dirname, '../../server/src/main/resources/web');

const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch (_) { /* gone */ } } });

function tail(file, n = 40) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch (e) { return `(no log: ${e.message})`; }
}

function udpListening(port) {
  try {
    return execFileSync('ss', ['-Huln', `sport = :${port}`], { encoding: 'utf8', timeout: 2000 }).includes('127.0.0.1');
  } catch (_) { return false; }
}

/** A relay port block unlikely to be shared with another test run on this machine. */
function relayPortBlock(size = 200) {
  const min = 49152 + Math.floor(Math.random() * ((65535 - 49152 - size) / size)) * size;
  return { minPort: min, maxPort: min + size - 1 };
}

/** Start coturn on loopback with TURN REST auth (`secret`); resolves once its UDP port listens. */
async function startCoturn({ secret, realm = 'dialtone' }) {
  const port = await freePort();
  const { minPort, maxPort } = relayPortBlock();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-coturn-'));
  const logFile = path.join(dir, 'turnserver.log');
  const args = [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${minPort}`, `--max-port=${maxPort}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${realm}`,
    '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls', '--fingerprint',
    '--no-tcp-relay', '--no-multicast-peers', '--no-software-attribute',
    `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--log-file=${logFile}`, '--simple-log', '--no-stdout-log',
  ];
  const out = fs.openSync(path.join(dir, 'turnserver.stdout'), 'a');
  const child = spawn('turnserver', args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(child);
  let exited = null;
  const exitP = new Promise((r) => child.once('exit', (code, sig) => { exited = { code, sig }; live.delete(child); r(); }));
  child.once('error', (e) => { exited = { error: e.message }; });
  const t0 = Date.now();
  while (!udpListening(port)) {
    if (exited) throw new Error(`turnserver exited during start ${JSON.stringify(exited)}; log ${dir}\n${tail(logFile)}`);
    if (Date.now() - t0 > 8000) { child.kill('SIGKILL'); throw new Error(`turnserver did not listen on udp 127.0.0.1:${port} within 8 s\n${tail(logFile)}`); }
    await sleep(100);
  }
  return {
    kind: 'coturn', port, minPort, maxPort, dir, logFile,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `stun:127.0.0.1:${port}`],
    logTail: (n) => tail(logFile, n),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const k = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitP;
      clearTimeout(k);
      if (!process.env.DIALTONE_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stand-in for the jar's HTTP server (DIALTONE_E2E_PAGE=stub): the same routes the page needs
 * (/, the page's files, /vendor/socket.io.min.js from npm socket.io-client, /config.json,
 * /dev/token) so the page and this test can be worked on before the jar serves them.
 */
async function startStubHttp(srv) {
  const vendor = path.resolve(__dirname, '../node_modules/socket.io-client/dist/socket.io.min.js');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const send = (code, type, body) => { res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' }); res.end(body); };
    if (u.pathname === '/config.json') {
      const host = (req.headers.host || '127.0.0.1').replace(/:\d+$/, '');
      return send(200, 'application/json', JSON.stringify({ signalingUrl: `http://${host}:${srv.port}` }));
    }
    if (u.pathname === '/dev/token') {
      const user = u.searchParams.get('user');
      if (!user) return send(400, 'application/json', '{"error":"user missing"}');
      return send(200, 'application/json', JSON.stringify({ token: srv.token(user) }));
    }
    if (u.pathname === '/vendor/socket.io.min.js') return send(200, types['.js'], fs.readFileSync(vendor));
    const name = u.pathname === '/' ? 'index.html' : u.pathname.slice(1);
    if (!/^[\w.-]+$/.test(name)) return send(404, 'text/plain', 'not found');
    const file = path.join(WEB_DIR, name);
    if (!fs.existsSync(file)) return send(404, 'text/plain', 'not found');
    return send(200, types[path.extname(file)] || 'application/octet-stream', fs.readFileSync(file));
  });
  const port = await freePort();
  await new Promise((r, j) => { server.once('error', j); server.listen(port, '127.0.0.1', r); });
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** GET url (bounded); resolves {status, body} or null when nothing answers. */
function httpGet(url, ms = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(ms, () => { req.destroy(); resolve(null); });
    req.on('error', () => resolve(null));
  });
}

/** Wait (bounded) until `url` answers 200; throws with `why` otherwise. */
async function waitHttp(url, ms, why) {
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < ms) {
    last = await httpGet(url);
    if (last && last.status === 200) return last;
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within ${ms} ms (last: ${last ? `HTTP ${last.status} ${last.body.slice(0, 200)}` : 'no answer'}) ${why || ''}`);
}

/**
 * A self-signed certificate for 127.0.0.1 (openssl) and its SPKI hash, which Chromium trusts
 * with --ignore-certificate-errors-spki-list (Chromium refuses an unknown TURNS certificate).
 */
function makeTlsCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile], { stdio: 'pipe', timeout: 20000 });
  } catch (e) {
    throw new Error(`openssl could not make a test certificate (apt-get install openssl): ${e.message} ${e.stderr || ''}`);
  }
  const der = new crypto.X509Certificate(fs.readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return { certFile, keyFile, spki: crypto.createHash('sha256').update(der).digest('base64') };
}

/** Launch headless Chromium; never skips: an environment problem is a failure. */
async function launchChromium(extraArgs = []) {
  let chromium;
  try { ({ chromium } = require('playwright-core')); } catch (e) {
    throw new Error(`playwright-core is not installed (cd e2e && npm ci): ${e.message}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30000 });
  } catch (e) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${e.message}`);
  }
}

/** Open `url` in a new tab; every console line and page error is kept in page.logs. */
async function openPage(context, url, label) {
  const page = await context.newPage();
  page.label = label;
  page.logs = [];
  const t0 = Date.now();
  const add = (s) => page.logs.push(`[${label} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
  page.on('console', (m) => add(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => add(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => add(`requestfailed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.setDefaultTimeout(10000);
  await page.goto(url, { timeout: 15000 });
  return page;
}

module.exports = { CHROMIUM, CHROMIUM_ARGS, WEB_DIR, makeTlsCert, startCoturn, startStubHttp, httpGet, waitHttp, launchChromium, openPage, relayPortBlock };

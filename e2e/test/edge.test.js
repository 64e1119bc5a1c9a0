'use strict';
// The edge port (dialtone.edge.port): one TCP port that serves HTTPS and wss (Socket.IO, the
// test-call page, /healthz), TURN over TLS and over TCP, and the same port number over UDP, for
// networks that let only 443 out. Real jar, real socket.io-client over TLS with a throw-away
// certificate, coturn's turnutils_uclient over TLS, TCP and UDP, and hostile connections.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { spawn, execFileSync } = require('node:child_process');
const { startNode, freePort, loopbackRelay, waitForLog, Scope, once, ack, offer, turnCredential, sleep } = require('../harness');
const { makeTlsCert } = require('../browser/stack');

const FIRST_FLIGHT_MS = 10000; // EdgeListener.FIRST_FLIGHT
let srv = null;
let edgePort = 0;
let relayPort = 0;
let relayTlsPort = 0;
let peerPort = 0;
let peer = null;
let certDir = null;
let cert = null;

const EDGE = () => `https://127.0.0.1:${edgePort}`;
const edgeUrls = () => [`stun:127.0.0.1:${edgePort}`, `turn:127.0.0.1:${edgePort}?transport=udp`,
  `turns:127.0.0.1:${edgePort}?transport=tcp`];
const directUrls = () => [`stun:127.0.0.1:${relayPort}`, `turn:127.0.0.1:${relayPort}?transport=udp`,
  `turn:127.0.0.1:${relayPort}?transport=tcp`, `turns:127.0.0.1:${relayTlsPort}?transport=tcp`];

/** the certificate files the jar reads: a copy, swapped in place by the reload case */
function installCert(c) {
  fs.copyFileSync(c.certFile, path.join(certDir, 'cert.tmp'));
  fs.copyFileSync(c.keyFile, path.join(certDir, 'key.tmp'));
  fs.renameSync(path.join(certDir, 'key.tmp'), path.join(certDir, 'key.pem'));
  fs.renameSync(path.join(certDir, 'cert.tmp'), path.join(certDir, 'cert.pem'));
}

async function waitFor(what, fn, ms) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new assert.AssertionError({ message: `${what}: not within ${ms} ms\n--- server log tail ---\n${srv.logTail(30)}` });
    await sleep(100);
  }
}

const canConnect = (port) => new Promise((resolve) => {
  const c = net.connect({ host: '127.0.0.1', port });
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

before(async () => {
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-edge-'));
  cert = makeTlsCert();
  installCert(cert);
  [edgePort, relayPort, relayTlsPort, peerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  srv = await startNode({
    deriveTurnUrls: true,
    props: {
      ...loopbackRelay(relayPort),
      'dialtone.relay.udp-threads': 1,
      'dialtone.relay.user-quota': 0,
      // the relay's own TLS port serves the same files, renewed in place like the edge's
      'dialtone.relay.tls-port': relayTlsPort,
      'dialtone.relay.tls-cert-file': path.join(certDir, 'cert.pem'),
      'dialtone.relay.tls-key-file': path.join(certDir, 'key.pem'),
      'dialtone.edge.port': edgePort,
      'dialtone.edge.host': '127.0.0.1',
      'dialtone.edge.cert-file': path.join(certDir, 'cert.pem'),
      'dialtone.edge.key-file': path.join(certDir, 'key.pem'),
      'dialtone.http.dev-tokens': 'true',
    },
  });
  await waitFor('the edge port accepts', () => canConnect(edgePort), 15000);
  peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
});

after(async () => {
  if (peer) peer.kill('SIGKILL');
  if (srv) await srv.stop();
  if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
});

function scoped(fn) {
  return async (t) => {
    const direct = new Scope(srv);
    const edge = new Scope({ url: EDGE(), token: (...a) => srv.token(...a) });
    try {
      await fn({ direct, edge }, t);
    } catch (err) {
      err.message += `\n--- server log tail ---\n${srv.logTail(40)}`;
      throw err;
    } finally {
      await direct.close();
      await edge.close();
    }
  };
}

/** the iceServers URLs a socket got on connect, checked against getIceServers and the credential */
async function urlsOf(socket) {
  const first = await once(socket, 'iceServers');
  const fresh = await ack(socket, 'getIceServers');
  assert.deepEqual(fresh.iceServers[0].urls, first.iceServers[0].urls, 'getIceServers names the same URLs');
  const s = first.iceServers[0];
  assert.equal(s.credential, turnCredential(srv.turnSecret, s.username), 'credential = HMAC-SHA1(turn secret, username)');
  return s.urls;
}

/** GET over TLS through the edge with the test CA; resolves {status, body, socket} */
function get(urlPath, agent) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: edgePort, path: urlPath, ca: fs.readFileSync(cert.certFile), agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers, socket: req.socket }));
      });
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${urlPath}: no answer in 10 s`)));
    req.on('error', reject);
  });
}

/** coturn's client relaying through the edge port; returns [sent, received] */
function uclient(extra, clients = 3, messages = 200) {
  const args = ['-X', '-c', '-p', String(edgePort), '-W', srv.turnSecret, '-u', 'edge-user', '-m', String(clients),
    '-n', String(messages), '-l', '120', '-z', '5', '-e', '127.0.0.1', '-r', String(peerPort), ...extra, '127.0.0.1'];
  let output = '';
  try {
    output = execFileSync('turnutils_uclient', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (e) {
    throw new Error(`turnutils_uclient ${args.join(' ')} failed: ${e.message}\n${String(e.stdout || '').slice(-2000)}${String(e.stderr || '').slice(-1000)}`);
  }
  const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
  assert.ok(totals, `no totals in uclient output:\n${output.slice(-2000)}`);
  return [Number(totals[1]), Number(totals[2]), output];
}

/** the value of one sample in the jar's /metrics (private HTTP port), 0 when absent */
async function metric(name, labels = '') {
  const text = await new Promise((resolve, reject) => {
    require('node:http').get({ host: '127.0.0.1', port: srv.httpPort, path: '/metrics' }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

const serverThreads = () => Number(/Threads:\s+(\d+)/.exec(fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8'))[1]);
const serverRssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8'))[1]) / 1024;

// ---------------------------------------------------------------- HTTPS and wss

test('socket.io-client over wss and https polling on the edge port: connects, iceServers name the edge port', { timeout: 60000 }, scoped(async ({ direct, edge }) => {
  const ca = fs.readFileSync(cert.certFile);
  for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
    const s = await edge.connect(edge.id('e'), { transports, ca });
    assert.deepEqual(await urlsOf(s), edgeUrls(), `through the edge over ${transports}`);
  }
  const d = await direct.connect(direct.id('d'), { transports: ['websocket'] });
  assert.deepEqual(await urlsOf(d), directUrls(), 'a client on the signaling port keeps the classic URLs');
}));

test('a call between an edge client and a direct client: each incomingCall names its own way in', { timeout: 60000 }, scoped(async ({ direct, edge }) => {
  const ca = fs.readFileSync(cert.certFile);
  const bobId = edge.id('bob');
  const bob = await edge.connect(bobId, { transports: ['polling'], ca });
  const alice = await direct.connect(direct.id('alice'), { transports: ['websocket'] });
  const placed = await ack(alice, 'callUser', { to: bobId, signalData: offer(), callType: 'voice' });
  assert.equal(placed.ok, true, JSON.stringify(placed));
  const incoming = await once(bob, 'incomingCall', 5000);
  assert.deepEqual(incoming.iceServers[0].urls, edgeUrls(), 'the callee reached through the edge gets the edge port');
}));

test('a forged edge header sent straight to the signaling port is not believed', { timeout: 30000 }, scoped(async ({ direct }) => {
  const forged = `${'0'.repeat(32)} tls 127.0.0.1 127.0.0.1`;
  const s = await direct.connect(direct.id('f'), { transports: ['websocket'], extraHeaders: { 'Dialtone-Edge': forged } });
  assert.deepEqual(await urlsOf(s), directUrls());
}));

test('test-call page and /healthz over https on the edge port; /metrics and /admin stay private', { timeout: 30000 }, async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<html/i);
  for (const file of page.body.match(/(?<=src=")[^"]+|(?<=href=")[^"]+\.css/g)) {
    assert.equal((await get(`/${file}`)).status, 200, `the page's ${file}`);
  }
  const config = JSON.parse((await get('/config.json')).body);
  assert.equal(config.signalingUrl, EDGE(), 'the page connects back through the edge port it came from');
  assert.equal((await get('/healthz')).body, 'ok\n');
  assert.equal((await get('/metrics')).status, 404);
  assert.equal((await get('/admin/calls')).status, 404);
  // a client that keeps connections alive: each answer says close, and its next request, on a new
  // connection, goes to its own port
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const a = await get('/config.json', agent);
    assert.equal(a.headers.connection, 'close');
    const b = await get('/socket.io/?EIO=4&transport=polling', agent);
    assert.equal(b.status, 200, `Engine.IO handshake: ${b.body}`);
    assert.match(b.body, /"sid":"/);
    const c = await get('/healthz', agent);
    assert.equal(c.body, 'ok\n');
  } finally {
    agent.destroy();
  }
});

test('plain HTTP on the edge port too: the page and socket.io-client without TLS', { timeout: 30000 }, scoped(async () => {
  const plain = new Scope({ url: `http://127.0.0.1:${edgePort}`, token: (...a) => srv.token(...a) });
  try {
    const s = await plain.connect(plain.id('p'), { transports: ['polling', 'websocket'] });
    assert.deepEqual(await urlsOf(s), edgeUrls(), 'a plain client of the edge port is told the edge port too');
    const config = await new Promise((resolve, reject) => {
      require('node:http').get({ host: '127.0.0.1', port: edgePort, path: '/config.json' }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(JSON.parse(b)));
      }).on('error', reject);
    });
    assert.equal(config.signalingUrl, `http://127.0.0.1:${edgePort}`);
  } finally {
    await plain.close();
  }
}));

/** one raw exchange over TLS: writes `text`, resolves with everything read until the server closes (bounded) */
function rawHttps(text) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: edgePort, ca: fs.readFileSync(cert.certFile) }, () => s.write(text));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { got += d; });
    s.once('error', reject);
    s.once('close', () => { clearTimeout(timer); resolve(got); });
    const timer = setTimeout(() => { s.destroy(); resolve(got); }, 5000);
  });
}

test('requests smuggled past the edge to private paths of the HTTP port are refused', { timeout: 30000 }, async () => {
  const metricsLeak = /dialtone_|# HELP/;
  const chunked = await rawHttps('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(chunked, /^HTTP\/1\.1 400/);
  assert.doesNotMatch(chunked, metricsLeak);
  const upgrade = await rawHttps('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(upgrade, /^HTTP\/1\.1 400/);
  assert.doesNotMatch(upgrade, metricsLeak);
  const twoLengths = await rawHttps('POST /dev/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(twoLengths, /^HTTP\/1\.1 400/);
  assert.doesNotMatch(twoLengths, metricsLeak);
  const plain = await rawHttps('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(plain, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(plain, metricsLeak, 'a second request on the connection is never passed on unrouted');
  // a Socket.IO request's connection goes to the signaling service for good: what follows it there
  // is the signaling service's to refuse, never the HTTP port's
  const afterSocketIo = await rawHttps('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(afterSocketIo, /^HTTP\/1\.1 200[^]*"sid":"/, 'the Engine.IO handshake is answered');
  assert.doesNotMatch(afterSocketIo, metricsLeak);
});

test('TLS sessions resume on the edge port (1.3 tickets and 1.2 ids): a long-polling client pays one full handshake', { timeout: 30000 }, async () => {
  for (const version of ['TLSv1.3', 'TLSv1.2']) {
    let session = null;
    const reused = [];
    for (const urlPath of ['/healthz', '/socket.io/?EIO=4&transport=polling', '/socket.io/?EIO=4&transport=polling']) {
      const { status, resumed } = await new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: edgePort, ca: fs.readFileSync(cert.certFile), session,
          minVersion: version, maxVersion: version }, () => {
          s.resumed = s.isSessionReused();
          s.write(`GET ${urlPath} HTTP/1.1\r\nHost: x\r\n\r\n`);
        });
        let got = '';
        s.on('session', (ticket) => { session = ticket; });
        s.on('data', (d) => { got += d; });
        s.once('error', reject);
        s.once('close', () => resolve({ status: got.split('\r\n')[0], resumed: s.resumed }));
        s.setTimeout(5000, () => s.destroy(new Error(`${urlPath}: no answer in 5 s`)));
      });
      assert.equal(status, 'HTTP/1.1 200 OK', `${version} ${urlPath}`);
      reused.push(resumed);
    }
    assert.deepEqual(reused, [false, true, true], `${version}: the first connection handshakes in full, the next resume`);
  }
});

// ---------------------------------------------------------------- TURN on the edge port

test('TURN over TLS, TCP and UDP on the edge port: coturn uclient relays with 0 loss', { timeout: 180000 }, async (t) => {
  for (const [name, extra] of [['tls', ['-t', '-S']], ['tcp', ['-t']], ['udp', []]]) {
    const [sent, received] = uclient(extra);
    t.diagnostic(`${name}: sent ${sent}, received ${received}`);
    assert.equal(sent, 3 * 200, `${name}: all sent`);
    assert.equal(received, sent, `${name}: 0 loss`);
  }
  assert.ok(await metric('dialtone_edge_connections_total', 'protocol="turn_tls"') >= 3);
  assert.ok(await metric('dialtone_edge_connections_total', 'protocol="turn_tcp"') >= 3);
});

test('ALPN stun.turn (RFC 7443) is chosen when offered, and STUN is answered on it', { timeout: 30000 }, async () => {
  const sock = tls.connect({ host: '127.0.0.1', port: edgePort, ca: fs.readFileSync(cert.certFile), ALPNProtocols: ['stun.turn', 'http/1.1'] });
  try {
    await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
    assert.equal(sock.alpnProtocol, 'stun.turn');
    const txid = crypto.randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
    const answer = new Promise((resolve, reject) => {
      let got = Buffer.alloc(0);
      sock.on('data', (d) => { got = Buffer.concat([got, d]); if (got.length >= 20) resolve(got); });
      sock.once('error', reject);
      setTimeout(() => reject(new Error('no Binding answer in 5 s')), 5000);
    });
    sock.write(request);
    const response = await answer;
    assert.equal(response.readUInt16BE(0), 0x0101, 'Binding success response');
    assert.deepEqual(response.subarray(8, 20), txid, 'same transaction id');
  } finally {
    sock.destroy();
  }
});

// ---------------------------------------------------------------- certificate reload

test('a renewed certificate is served without a restart, on the edge port and the relay\'s TLS port', { timeout: 60000 }, async () => {
  const served = (port, ca) => new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(ca) }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.once('error', (e) => { s.destroy(); resolve(`error: ${e.code || e.message}`); });
  });
  const fpOf = (file) => new crypto.X509Certificate(fs.readFileSync(file)).fingerprint256;
  const ports = { 'edge port': edgePort, 'relay TLS port': relayTlsPort };
  for (const [name, port] of Object.entries(ports)) assert.equal(await served(port, cert.certFile), fpOf(cert.certFile), name);
  const renewed = makeTlsCert();
  installCert(renewed);
  for (const [name, port] of Object.entries(ports)) {
    await waitFor(`the renewed certificate served on the ${name}`,
      async () => (await served(port, renewed.certFile)) === fpOf(renewed.certFile), 15000);
  }
  await waitForLog(srv, /edge port: certificate reloaded/);
  await waitForLog(srv, /TURN relay, TLS port: certificate reloaded/);
  cert = renewed; // the other cases trust the one being served
  // a broken renewal keeps the working certificate and says so
  fs.writeFileSync(path.join(certDir, 'cert.pem'), 'not a certificate\n');
  // the files are looked at when a connection comes, at most once a second
  for (const [name, port] of Object.entries(ports)) {
    await waitFor(`the broken renewal reported for the ${name}`, async () => {
      await served(port, cert.certFile);
      return new RegExp(`${name.replace('relay TLS port', 'TURN relay, TLS port')}: .*do not load.*still serving the previous certificate`)
        .test(srv.logTail(200));
    }, 15000);
    assert.equal(await served(port, cert.certFile), fpOf(cert.certFile), `the previous certificate is still served on the ${name}`);
  }
  installCert(cert);
});

// ---------------------------------------------------------------- bad input

/** a TLS ClientHello as Node would send it, captured from a listener that never answers */
async function clientHello() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hello = new Promise((resolve) => server.once('connection', (c) => c.once('data', (d) => { resolve(d); c.destroy(); })));
  const s = tls.connect({ host: '127.0.0.1', port: server.address().port, rejectUnauthorized: false });
  s.on('error', () => {});
  const bytes = await hello;
  s.destroy();
  server.close();
  return bytes;
}

/** connects, sends `bytes`, resolves with the ms until the server closed the connection */
function closedAfter(bytes, ms) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const c = net.connect({ host: '127.0.0.1', port: edgePort }, () => { if (bytes) c.write(bytes); });
    c.on('data', () => {});
    c.on('error', () => {});
    c.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
    const timer = setTimeout(() => { c.destroy(); reject(new assert.AssertionError({ message: `still open after ${ms} ms` })); }, ms);
  });
}

test('random bytes, a ClientHello then silence, and nothing at all: closed within the first-flight bound while others are served', { timeout: 60000 }, scoped(async ({ edge }, t) => {
  const unknownBefore = await metric('dialtone_edge_refused_total', 'reason="unknown"');
  const timeoutBefore = await metric('dialtone_edge_refused_total', 'reason="timeout"');
  for (let i = 0; i < 20; i++) {
    let junk = crypto.randomBytes(64);
    while (junk[0] === 0x16 || (junk[0] & 0xc0) === 0 || (junk[0] >= 0x41 && junk[0] <= 0x5a)) junk = crypto.randomBytes(64);
    assert.ok(await closedAfter(junk, 5000) < 5000);
  }
  const hello = await clientHello();
  const [helloMs, silentMs, s] = await Promise.all([
    closedAfter(hello, FIRST_FLIGHT_MS + 10000),
    closedAfter(null, FIRST_FLIGHT_MS + 10000),
    (async () => { await sleep(1000); return edge.connect(edge.id('ok'), { transports: ['websocket'], ca: fs.readFileSync(cert.certFile) }); })(),
  ]);
  t.diagnostic(`ClientHello then silence closed after ${helloMs} ms, silence after ${silentMs} ms`);
  assert.ok(helloMs >= FIRST_FLIGHT_MS - 1000, `closed at the bound, not before: ${helloMs} ms`);
  assert.deepEqual(await urlsOf(s), edgeUrls(), 'a client that came meanwhile was served');
  assert.equal(await metric('dialtone_edge_refused_total', 'reason="unknown"'), unknownBefore + 20);
  assert.ok(await metric('dialtone_edge_refused_total', 'reason="timeout"') >= timeoutBefore + 2);
}));

test('2,000 idle TCP connections: others are served meanwhile, threads and memory stay bounded, all closed at the bound', { timeout: 120000 }, scoped(async ({ edge }, t) => {
  const COUNT = 2000;
  const threads0 = serverThreads();
  const rss0 = serverRssMb();
  const child = spawn('bash', ['-c', 'ulimit -n 8192 2>/dev/null; exec "$0" "$@"', process.execPath,
    path.join(__dirname, '..', 'edge', 'idle.js'), '127.0.0.1', String(edgePort), String(COUNT)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events = [];
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const l of lines) if (l) events.push(JSON.parse(l));
  });
  try {
    await waitFor(`${COUNT} idle connections open`, () => {
      const err = events.find((e) => e.error);
      if (err) throw new Error(`idle connections: ${err.error}`);
      return events.some((e) => e.open === COUNT);
    }, 30000);
    const threads1 = serverThreads();
    const rss1 = serverRssMb();
    const s = await edge.connect(edge.id('busy'), { transports: ['websocket'], ca: fs.readFileSync(cert.certFile) });
    assert.deepEqual(await urlsOf(s), edgeUrls(), 'wss through the edge while 2,000 connections idle');
    const [sent, received] = uclient(['-t', '-S'], 1, 50);
    assert.equal(received, sent, 'TURN over TLS relays while 2,000 connections idle');
    assert.ok(sent > 0);
    t.diagnostic(`server threads ${threads0} before, ${threads1} with ${COUNT} idle connections; RSS ${rss0.toFixed(0)} MB before, ${rss1.toFixed(0)} MB with them`);
    assert.ok(threads1 - threads0 < 50, `threads grew by ${threads1 - threads0} for ${COUNT} idle connections`);
    assert.ok(rss1 - rss0 < 150, `RSS grew by ${(rss1 - rss0).toFixed(0)} MB for ${COUNT} idle connections`);
    await waitFor('every idle connection closed by the server', async () => {
      const closed = Math.max(0, ...events.filter((e) => e.closed).map((e) => e.closed));
      if (closed === COUNT) return true;
      t.diagnostic(`closed ${closed}, first flights ${await metric('dialtone_edge_first_flights')}, open ${await metric('dialtone_edge_open_connections')}`);
      await sleep(1000);
      return false;
    }, FIRST_FLIGHT_MS + 20000);
    t.diagnostic(`all ${COUNT} closed; threads now ${serverThreads()}, RSS ${serverRssMb().toFixed(0)} MB`);
  } finally {
    child.stdin.end();
    child.kill('SIGKILL');
  }
}));

'use strict';
// Which host iceServers name when the operator set neither dialtone.turn.public-host nor
// dialtone.relay.external-ip: the one each client reached the server by (the Host of its
// handshake; X-Forwarded-Host / -For only from dialtone.http.trusted-proxies), never a loopback
// address for a client that is not on loopback. Real socket.io-client, real jar with its relay.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { startServer, startNode, freePort, Scope, once, ack, offer, turnCredential, TEST_TIMEOUT } = require('../harness');
const { startRedis } = require('../redis');
const { makeTlsCert } = require('../browser/stack');

let plain = null;    // no proxy trusted
let proxied = null;  // 127.0.0.1 is a trusted proxy
let relayPort = 0;
let relayAddress = null;

/** The host's first non-loopback IPv4 address: what the relay relays from, and its fallback. */
function hostAddress() {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list || []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address: the fallback case needs one');
}

async function relayProps(extra = {}) {
  relayPort = relayPort || await freePort();
  return {
    'dialtone.relay.enabled': 'true',
    'dialtone.relay.listen-addresses.0': '127.0.0.1',
    'dialtone.relay.relay-address': relayAddress,
    'dialtone.relay.port': relayPort,
    'dialtone.relay.tls-port': 0,
    ...extra,
  };
}

before(async () => {
  relayAddress = hostAddress();
  plain = await startServer({ deriveTurnUrls: true, props: await relayProps() });
  // a second relay needs its own port
  const port2 = await freePort();
  proxied = await startServer({
    deriveTurnUrls: true,
    props: { ...(await relayProps()), 'dialtone.relay.port': port2, 'dialtone.http.trusted-proxies.0': '127.0.0.1/32' },
  });
  proxied.relayPort = port2;
  plain.relayPort = relayPort;
});

after(async () => {
  if (plain) await plain.stop();
  if (proxied) await proxied.stop();
});

const expectedUrls = (host, port) => [`stun:${host}:${port}`, `turn:${host}:${port}?transport=udp`, `turn:${host}:${port}?transport=tcp`];

function scoped(srvOf, fn) {
  return async (t) => {
    const h = new Scope(srvOf());
    try {
      await fn(h, t);
    } catch (err) {
      err.message += `\n--- server log tail ---\n${srvOf().logTail(30)}`;
      throw err;
    } finally {
      await h.close();
    }
  };
}

/** connect with these request headers (handshake and, for websocket, the upgrade) */
const connectWith = (h, user, headers, transports = ['websocket']) => h.connect(user, { extraHeaders: headers, transports });

/** the URLs of the iceServers event on connect and of a fresh getIceServers, checked equal */
async function urlsOf(socket, srv) {
  const first = await once(socket, 'iceServers');
  const fresh = await ack(socket, 'getIceServers');
  assert.equal(fresh.ok, true, `getIceServers ack: ${JSON.stringify(fresh)}`);
  assert.deepEqual(fresh.iceServers[0].urls, first.iceServers[0].urls, 'getIceServers names the same URLs as the iceServers event');
  const s = first.iceServers[0];
  assert.equal(s.credential, turnCredential(srv.turnSecret, s.username), 'credential = HMAC-SHA1(turn secret, username)');
  return first.iceServers[0].urls;
}

test('start-up warning names the keys to set', { timeout: TEST_TIMEOUT }, async () => {
  const log = plain.logTail(200);
  assert.match(log, /WARN.*neither dialtone\.turn\.public-host nor dialtone\.relay\.external-ip is set/,
    'one clear warning at start saying what to set');
  assert.equal(log.split('\n').filter((l) => /neither dialtone\.turn\.public-host/.test(l)).length, 1, 'exactly one warning');
});

test('loopback client with the default Host gets the loopback address it used', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  const a = await connectWith(h, h.id('a'), {});
  assert.deepEqual(await urlsOf(a, plain), expectedUrls('127.0.0.1', plain.relayPort));
}));

test('Host header name, IPv4, IPv6 (with and without port)', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  const cases = [
    ['turn.example.test:4002', 'turn.example.test'],
    ['Calls.Example.TEST', 'calls.example.test'],
    ['198.51.100.7:8443', '198.51.100.7'],
    ['[2001:db8::5]:4002', '[2001:db8::5]'],
    ['[2001:db8::6]', '[2001:db8::6]'],
  ];
  for (const [header, host] of cases) {
    const s = await connectWith(h, h.id('a'), { Host: header });
    assert.deepEqual(await urlsOf(s, plain), expectedUrls(host, plain.relayPort), `Host: ${header}`);
  }
}));

// Node's polling transport (xmlhttprequest-ssl) will not send a Host of the caller's choosing:
// reach the server by another name instead.
test('over polling and websocket alike: reached as localhost → localhost', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
    const s = await h.connect(h.id('a'), { transports });
    assert.deepEqual(await urlsOf(s, plain), expectedUrls('127.0.0.1', plain.relayPort), `127.0.0.1 over ${transports}`);
  }
  const byName = new Scope({ ...plain, url: plain.url.replace('127.0.0.1', 'localhost'), token: plain.token });
  try {
    for (const transports of [['polling'], ['websocket']]) {
      const s = await byName.connect(h.id('b'), { transports });
      assert.deepEqual(await urlsOf(s, plain), expectedUrls('localhost', plain.relayPort), `localhost over ${transports}`);
    }
  } finally {
    await byName.close();
  }
}));

test('a malformed Host is not echoed: the address the connection arrived on is used', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  for (const header of ['bad_host!', 'a..b', 'x.test:99999', '[zz::1]', '0.0.0.0', 'x'.repeat(300)]) {
    const s = await connectWith(h, h.id('a'), { Host: header });
    assert.deepEqual(await urlsOf(s, plain), expectedUrls('127.0.0.1', plain.relayPort), `Host: ${header}`);
  }
}));

test('X-Forwarded-Host / -For from an untrusted peer are ignored', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  const s = await connectWith(h, h.id('a'), { Host: 'calls.example.test', 'X-Forwarded-Host': 'evil.example.test', 'X-Forwarded-For': '203.0.113.9' });
  assert.deepEqual(await urlsOf(s, plain), expectedUrls('calls.example.test', plain.relayPort));
  // a remote-looking X-Forwarded-For from an untrusted loopback peer does not hide that it is on loopback
  const l = await connectWith(h, h.id('b'), { Host: '127.0.0.1', 'X-Forwarded-For': '203.0.113.9' });
  assert.deepEqual(await urlsOf(l, plain), expectedUrls('127.0.0.1', plain.relayPort));
}));

test('a trusted proxy\'s X-Forwarded-Host is used; a remote client never gets a loopback host', { timeout: TEST_TIMEOUT }, scoped(() => proxied, async (h) => {
  const port = proxied.relayPort;
  const fwd = await connectWith(h, h.id('a'), { Host: '127.0.0.1:4002', 'X-Forwarded-Host': 'public.example.test, inner.test', 'X-Forwarded-For': '203.0.113.9' });
  assert.deepEqual(await urlsOf(fwd, proxied), expectedUrls('public.example.test', port));
  // the proxy kept Host as its upstream (loopback) and sent no X-Forwarded-Host: the client is
  // remote (X-Forwarded-For), so it gets the relay's own address, not 127.0.0.1
  for (const xff of ['203.0.113.9', '203.0.113.9, 127.0.0.1', 'not-an-address']) {
    const remote = await connectWith(h, h.id('b'), { Host: '127.0.0.1:4002', 'X-Forwarded-For': xff });
    assert.deepEqual(await urlsOf(remote, proxied), expectedUrls(relayAddress, port), `X-Forwarded-For: ${xff}`);
    const named = await connectWith(h, h.id('c'), { Host: 'localhost', 'X-Forwarded-For': xff });
    assert.deepEqual(await urlsOf(named, proxied), expectedUrls(relayAddress, port), `Host localhost, X-Forwarded-For: ${xff}`);
  }
  // a client on loopback behind the local proxy may get loopback
  const local = await connectWith(h, h.id('d'), { Host: '127.0.0.1:4002', 'X-Forwarded-For': '127.0.0.1' });
  assert.deepEqual(await urlsOf(local, proxied), expectedUrls('127.0.0.1', port));
}));

test('incomingCall: each ringing device gets the URLs of the host it reached the server by', { timeout: TEST_TIMEOUT }, scoped(() => plain, async (h) => {
  const caller = await connectWith(h, h.id('caller'), { Host: 'one.example.test' });
  const calleeId = h.id('callee');
  const d1 = await connectWith(h, calleeId, { Host: 'two.example.test' });
  const d2 = await connectWith(h, calleeId, { Host: '[2001:db8::9]' });
  const resp = await ack(caller, 'callUser', { to: calleeId, signalData: offer(), callType: 'voice' });
  assert.equal(resp.ok, true, JSON.stringify(resp));
  const [i1, i2] = await Promise.all([once(d1, 'incomingCall'), once(d2, 'incomingCall')]);
  assert.deepEqual(i1.iceServers[0].urls, expectedUrls('two.example.test', plain.relayPort));
  assert.deepEqual(i2.iceServers[0].urls, expectedUrls('[2001:db8::9]', plain.relayPort));
  for (const i of [i1, i2]) {
    assert.ok(i.iceServers[0].username.endsWith(`:${calleeId}`), `minted for the callee: ${i.iceServers[0].username}`);
    assert.equal(i.iceServers[0].credential, turnCredential(plain.turnSecret, i.iceServers[0].username));
  }
}));

test('dialtone.turn.public-host set: every client gets it, whatever its Host', { timeout: TEST_TIMEOUT }, async () => {
  const port = await freePort();
  const srv = await startServer({ deriveTurnUrls: true, props: { ...(await relayProps()), 'dialtone.relay.port': port, 'dialtone.turn.public-host': 'turn.example.test' } });
  const h = new Scope(srv);
  try {
    const s = await connectWith(h, h.id('a'), { Host: 'other.example.test' });
    assert.deepEqual(await urlsOf(s, srv), expectedUrls('turn.example.test', port));
    assert.doesNotMatch(srv.logTail(200), /neither dialtone\.turn\.public-host/, 'no warning when public-host is set');
  } finally {
    await h.close();
    await srv.stop();
  }
});

/** a TLS handshake with the relay's TLS port (any certificate); resolves the peer certificate's subject CN */
function tlsHandshake(port) {
  return new Promise((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = c.getPeerCertificate().subject.CN;
      c.destroy();
      resolve(cn);
    });
    c.setTimeout(5000, () => { c.destroy(); reject(new Error(`no TLS handshake on ${port} within 5 s`)); });
    c.once('error', reject);
  });
}

test('turns: only with a configured certificate; the self-signed fallback listens but is not advertised', { timeout: TEST_TIMEOUT }, async () => {
  const cert = makeTlsCert();
  const servers = [];
  try {
    const [selfPort, selfTls, certPort, certTls] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const selfSigned = await startServer({ deriveTurnUrls: true, props: { ...(await relayProps()), 'dialtone.relay.port': selfPort, 'dialtone.relay.tls-port': selfTls } });
    servers.push(selfSigned);
    const withCert = await startServer({
      deriveTurnUrls: true,
      props: { ...(await relayProps()), 'dialtone.relay.port': certPort, 'dialtone.relay.tls-port': certTls,
        'dialtone.relay.tls-cert-file': cert.certFile, 'dialtone.relay.tls-key-file': cert.keyFile },
    });
    servers.push(withCert);
    const h1 = new Scope(selfSigned);
    const h2 = new Scope(withCert);
    try {
      const a = await connectWith(h1, h1.id('a'), { Host: 'calls.example.test' });
      assert.deepEqual(await urlsOf(a, selfSigned), expectedUrls('calls.example.test', selfPort), 'no turns: URL for a self-signed certificate');
      assert.equal(await tlsHandshake(selfTls), 'dialtone-relay', 'the self-signed fallback still listens');
      const b = await connectWith(h2, h2.id('b'), { Host: 'calls.example.test' });
      assert.deepEqual(await urlsOf(b, withCert),
        [...expectedUrls('calls.example.test', certPort), `turns:calls.example.test:${certTls}?transport=tcp`], 'turns: with the operator\'s certificate');
      assert.equal(await tlsHandshake(certTls), '127.0.0.1', 'the configured certificate is served');
    } finally {
      await h1.close();
      await h2.close();
    }
  } finally {
    for (const s of servers) await s.stop();
    fs.rmSync(path.dirname(cert.certFile), { recursive: true, force: true });
  }
});

test('cluster: a ringing device on the other node gets the URLs of its own host and node', { timeout: TEST_TIMEOUT }, async () => {
  const redis = await startRedis();
  const nodes = [];
  const scopes = [];
  try {
    const shared = {
      'dialtone.cluster.redis-url': redis.url,
      'dialtone.auth.jwt-secret': crypto.randomBytes(24).toString('hex'),
      'dialtone.turn.secret': crypto.randomBytes(24).toString('hex'),
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const node = await startNode({ deriveTurnUrls: true, ringTimeout: '10s', props: { ...(await relayProps()), ...shared, 'dialtone.relay.port': port } });
      node.relayPort = port;
      nodes.push(node);
      scopes.push(new Scope(node));
    }
    const calleeId = scopes[0].id('callee');
    const caller = await connectWith(scopes[0], scopes[0].id('caller'), { Host: 'one.example.test' });
    const here = await connectWith(scopes[0], calleeId, { Host: 'one.example.test' });
    const there = await connectWith(scopes[1], calleeId, { Host: 'two.example.test' });
    const resp = await ack(caller, 'callUser', { to: calleeId, signalData: offer(), callType: 'video' });
    assert.equal(resp.ok, true, JSON.stringify(resp));
    const [i0, i1] = await Promise.all([once(here, 'incomingCall', 5000), once(there, 'incomingCall', 5000)]);
    assert.deepEqual(i0.iceServers[0].urls, expectedUrls('one.example.test', nodes[0].relayPort), 'same node: its own host');
    assert.deepEqual(i1.iceServers[0].urls, expectedUrls('two.example.test', nodes[1].relayPort), 'other node (through Redis): its own host and relay');
    for (const i of [i0, i1]) assert.equal(i.iceServers[0].credential, turnCredential(shared['dialtone.turn.secret'], i.iceServers[0].username));
  } finally {
    for (const h of scopes) await h.close();
    for (const n of nodes) await n.stop();
    await redis.stop();
  }
});

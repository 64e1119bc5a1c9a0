'use strict';
// Calls across real NATs: the jar on an "internet" segment and two LANs behind NAT routers, all in
// network namespaces this file creates (e2e/nat/topology.js), one headless Chromium per LAN run
// inside its LAN's namespace and driven over a pipe. Each case asserts from getStats() that the
// call connected, that media arrived, and which candidate pair carried it. Needs root.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { sleep } = require('../harness');
const { CHROMIUM, CHROMIUM_ARGS, openPage } = require('../browser/stack');
const { state, waitState, rtcStats, waitStats, brief, describePages } = require('../browser/rtc');
const { Topology, SERVER, NAT_A, NAT_B, NATTED_SERVER } = require('../nat/topology');
const { startJarIn } = require('../nat/jar');

const ICE_WAIT = 30000;     // answer → ICE connected (TCP-only cases wait out the blocked ways first)
const MEDIA_WAIT = 15000;   // ICE connected → audio bytes / decoded frames
const FAIL_WATCH = 12000;   // how long a call that must not connect is watched

const tag = crypto.randomBytes(2).toString('hex');
let seq = 0;
const uid = (name) => `${name}-${tag}-${++seq}`;

let net = null;
let dir = null;
let cert = null;
let full = null;      // defaults: relay with TURN over UDP, TCP and TLS, URLs derived per client; edge port 443
let stunOnly = null;  // signaling that advertises only the relay's STUN URL
let natted = null;    // behind its own 1:1 NAT (no hairpin), external-ip set
const browsers = {};
const contexts = [];
const pages = [];

const FULL = `http://${SERVER}:8080`;       // page of the jar with the relay
const STUN_ONLY = `http://${SERVER}:8081`;  // page of the jar that advertises STUN only
const NATTED = `http://${NATTED_SERVER}:8080`; // page of the jar behind its own NAT
const EDGE = `https://${SERVER}`;            // page of the full jar through its edge port, 443

/** A throw-away CA and a certificate it signs for the server's public address; Chromium trusts its key. */
function makeCa(into) {
  const f = (n) => path.join(into, n);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 30000 });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=Dialtone NAT suite throw-away CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${SERVER}`,
    '-keyout', f('server.key'), '-out', f('server.csr'));
  fs.writeFileSync(f('ext.cnf'), `subjectAltName=IP:${SERVER}\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', f('ext.cnf'), '-out', f('leaf.pem'));
  fs.writeFileSync(f('chain.pem'), fs.readFileSync(f('leaf.pem'), 'utf8') + fs.readFileSync(f('ca.pem'), 'utf8'));
  const der = new crypto.X509Certificate(fs.readFileSync(f('leaf.pem'))).publicKey.export({ type: 'spki', format: 'der' });
  return { certFile: f('chain.pem'), keyFile: f('server.key'), spki: crypto.createHash('sha256').update(der).digest('base64') };
}

const startJar = (name, ns, props) => startJarIn(net, ns, dir, name, props);

/**
 * @param peers the only addresses the relay may reach (all in reserved ranges, denied by default):
 *              by default the two NAT routers and the relay's own relayed addresses
 */
function jarProps(extra, peers = [NAT_A, NAT_B, SERVER]) {
  const allowed = {};
  peers.forEach((a, i) => { allowed[`dialtone.relay.allowed-peer-cidrs.${i}`] = `${a}/32`; });
  return {
    ...allowed,
    'dialtone.auth.jwt-secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.turn.secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.http.dev-tokens': 'true',
    'dialtone.signaling.ring-timeout': '60s',
    'dialtone.relay.min-port': 50000,
    'dialtone.relay.max-port': 50999,
    ...extra,
  };
}

async function launchIn(ns) {
  const { chromium } = require('playwright-core');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: net.wrapper(dir, ns, CHROMIUM),
    headless: true,
    // the pages are plain http on a non-local address: getUserMedia wants a secure context
    args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${cert.spki}`,
      `--unsafely-treat-insecure-origin-as-secure=${FULL},${STUN_ONLY},${NATTED}`],
    timeout: 60000,
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-nat-'));
  cert = makeCa(dir);
  net = new Topology({ natServer: true }).build();
  [full, stunOnly, natted, browsers.a, browsers.b] = await Promise.all([
    startJar('full', net.ns.srv, jarProps({
      'dialtone.relay.tls-cert-file': cert.certFile,
      'dialtone.relay.tls-key-file': cert.keyFile,
      'dialtone.edge.port': 443,
      'dialtone.edge.cert-file': cert.certFile,
      'dialtone.edge.key-file': cert.keyFile,
    })),
    startJar('stun-only', net.ns.srv, jarProps({
      'dialtone.signaling.port': 4003,
      'dialtone.http.port': 8081,
      'dialtone.relay.enabled': 'false',
      'dialtone.turn.urls.0': `stun:${SERVER}:3478`,
    })),
    startJar('natted', net.ns.srvN, jarProps({
      'dialtone.relay.external-ip': NATTED_SERVER,
      'dialtone.relay.tls-port': 0,
    }, [NATTED_SERVER])), // relay-only clients' only peers: this relay's relayed addresses
    launchIn(net.ns.a),
    launchIn(net.ns.b),
  ]);
});

after(async () => {
  for (const b of Object.values(browsers)) await b.close().catch(() => {});
  if (net) net.teardown();
  if (dir && !process.env.DIALTONE_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

async function open(side, origin, user) {
  const context = await browsers[side].newContext();
  contexts.push(context);
  const page = await openPage(context, `${origin}/?user=${encodeURIComponent(user)}`, `${side}:${user}`);
  pages.push(page);
  await waitState(page, (s) => s.connection === 'connected', 15000, 'signaling connected');
  return page;
}

/** alice (LAN A) calls bob (LAN B) through the page at `origin`; resolves once bob answered */
async function placeCall(origin, callType, relayOnly) {
  const bobId = uid('bob');
  const [alice, bob] = await Promise.all([open('a', origin, uid('alice')), open('b', origin, bobId)]);
  const ackCall = await alice.evaluate(([to, type, r]) => window.dialtone.call(to, type, { relayOnly: r }), [bobId, callType, relayOnly]);
  assert.equal(ackCall.ok, true, `callUser ack: ${JSON.stringify(ackCall)}`);
  await waitState(bob, (s) => s.call.state === 'ringing', 10000, 'ringing');
  const ackAnswer = await bob.evaluate((r) => window.dialtone.answer({ relayOnly: r }), relayOnly);
  assert.equal(ackAnswer.ok, true, `answerCall ack: ${JSON.stringify(ackAnswer)}`);
  return [alice, bob];
}

/** both sides ICE-connected, a succeeded pair, media flowing (and still growing a moment later) */
async function connected(sides, callType) {
  for (const p of sides) {
    await waitState(p, (s) => s.ice === 'connected' || s.ice === 'completed', ICE_WAIT, 'ICE connected');
  }
  const media = (s) => s.audioBytes > 0 && (callType !== 'video' || s.videoFrames > 0);
  const first = [];
  for (const p of sides) {
    first.push(await waitStats(p, (s) => s.pair && s.pair.state === 'succeeded' && media(s), MEDIA_WAIT,
      `a succeeded pair and inbound ${callType === 'video' ? 'audio and decoded video' : 'audio'}`));
  }
  const last = [];
  for (const [i, p] of sides.entries()) {
    last.push(await waitStats(p, (s) => s.audioBytes > first[i].audioBytes, 5000, 'inbound audio still growing'));
  }
  return last;
}

const isRelay = (c) => c && c.candidateType === 'relay';

/** the selected pair goes through Dialtone's relay: a relay candidate at the server's public address */
function assertThroughRelay(page, s, relayProtocol, server = SERVER) {
  const ends = [s.pair.local, s.pair.remote].filter(isRelay);
  assert.ok(ends.length > 0, `${page.label}: selected pair has no relay candidate: ${brief(s)}`);
  for (const c of ends) assert.equal(c.address, server, `${page.label}: relayed address must be the server's public one: ${brief(s)}`);
  if (relayProtocol) {
    assert.ok(isRelay(s.pair.local), `${page.label}: the local end must be relayed: ${brief(s)}`);
    assert.equal(s.pair.local.relayProtocol, relayProtocol, `${page.label}: allocation over TURN/${relayProtocol} expected: ${brief(s)}`);
  }
}

/** the iceServers the page was given on connect */
const iceServersEvent = (page) => page.evaluate(() => window.dialtone.events.find((e) => e.name === 'iceServers').payload);

function scenario(fn) {
  return async (t) => {
    pages.length = 0;
    try {
      await fn(t);
    } catch (err) {
      const parts = await describePages(pages, 30);
      for (const j of [full, stunOnly, natted]) if (j) parts.push(`--- ${j.name} log tail ---\n${j.logTail(25)}`);
      err.message += `\n${parts.join('\n')}`;
      throw err;
    } finally {
      for (const c of contexts.splice(0)) await c.close().catch(() => {});
      net.setNat('symmetric');
      net.setEgress(null);
    }
  };
}

// ---------------------------------------------------------------- cases

for (const callType of ['voice', 'video']) {
  test(`symmetric NATs, policy all, ${callType}: connects through the relay`, { timeout: 90000 }, scenario(async (t) => {
    net.setNat('symmetric');
    const sides = await placeCall(FULL, callType, false);
    const stats = await connected(sides, callType);
    sides.forEach((p, i) => { assertThroughRelay(p, stats[i]); t.diagnostic(`${p.label}: ${brief(stats[i])}`); });
  }));
}

for (const [port, protocol] of [[3478, 'tcp'], [5349, 'tls']]) {
  test(`LANs reach only TCP ${port} of the server (and the page): connects over TURN/${protocol}`, { timeout: 90000 }, scenario(async (t) => {
    net.setEgress({ tcp: [8080, 4002, port] });
    const sides = await placeCall(FULL, 'voice', false);
    const stats = await connected(sides, 'voice');
    sides.forEach((p, i) => { assertThroughRelay(p, stats[i], protocol); t.diagnostic(`${p.label}: ${brief(stats[i])}`); });
  }));
}

test('LANs reach only TCP 443 of the server: signaling over https/wss and TURN over TLS on one port', { timeout: 90000 }, scenario(async (t) => {
  net.setEgress({ tcp: [443] });
  const sides = await placeCall(EDGE, 'voice', false);
  for (const p of sides) {
    const { iceServers } = await iceServersEvent(p);
    assert.deepEqual(iceServers[0].urls, [`stun:${SERVER}:443`, `turn:${SERVER}:443?transport=udp`,
      `turns:${SERVER}:443?transport=tcp`], `${p.label}: iceServers on the edge port`);
  }
  const stats = await connected(sides, 'voice');
  sides.forEach((p, i) => { assertThroughRelay(p, stats[i], 'tls'); t.diagnostic(`${p.label}: ${brief(stats[i])}`); });
}));

test('defaults (no public host set): iceServers name the address the clients reached, and they connect', { timeout: 90000 }, scenario(async (t) => {
  assert.match(full.log(), /neither dialtone\.turn\.public-host nor dialtone\.relay\.external-ip is set/);
  const sides = await placeCall(FULL, 'video', true);
  for (const p of sides) {
    const { iceServers } = await iceServersEvent(p);
    assert.deepEqual(iceServers[0].urls, [`stun:${SERVER}:3478`, `turn:${SERVER}:3478?transport=udp`,
      `turn:${SERVER}:3478?transport=tcp`, `turns:${SERVER}:5349?transport=tcp`], `${p.label}: iceServers`);
  }
  const stats = await connected(sides, 'video');
  sides.forEach((p, i) => {
    assert.ok(isRelay(stats[i].pair.local), `${p.label}: relay only: ${brief(stats[i])}`);
    assertThroughRelay(p, stats[i]);
    t.diagnostic(`${p.label}: ${brief(stats[i])}`);
  });
}));

test('negative control: STUN only (no TURN) under symmetric NATs never connects', { timeout: 60000 }, scenario(async () => {
  net.setNat('symmetric');
  const sides = await placeCall(STUN_ONLY, 'voice', false);
  const t0 = Date.now();
  while (Date.now() - t0 < FAIL_WATCH) {
    for (const p of sides) {
      const st = await state(p);
      assert.ok(!['connected', 'completed'].includes(st.ice), `${p.label}: ICE connected without a relay: ${JSON.stringify(st)}`);
    }
    await sleep(500);
  }
  for (const p of sides) {
    const s = await rtcStats(p);
    assert.ok(!(s.pair && s.pair.state === 'succeeded'), `${p.label}: a pair succeeded: ${brief(s)}`);
    assert.equal(s.audioBytes, 0, `${p.label}: audio arrived: ${brief(s)}`);
    // STUN itself worked (a server-reflexive candidate at the NAT): the NAT, not the server, stops the call
    assert.ok(s.localCandidates.some((c) => c.candidateType === 'srflx' && [NAT_A, NAT_B].includes(c.address)),
      `${p.label}: expected a srflx candidate at its NAT's address: ${brief(s)}`);
    assert.ok(!s.localCandidates.some(isRelay), `${p.label}: no TURN was offered, yet a relay candidate: ${brief(s)}`);
  }
}));

test('cone NATs, STUN only: connects directly between the two NATs, nothing relayed', { timeout: 90000 }, scenario(async (t) => {
  net.setNat('cone');
  const sides = await placeCall(STUN_ONLY, 'voice', false);
  const stats = await connected(sides, 'voice');
  const publicOf = [NAT_B, NAT_A]; // what each side's peer looks like from outside
  sides.forEach((p, i) => {
    const s = stats[i];
    assert.ok(!isRelay(s.pair.local) && !isRelay(s.pair.remote), `${p.label}: nothing relayed: ${brief(s)}`);
    assert.ok(!s.localCandidates.some(isRelay), `${p.label}: no relay candidate at all: ${brief(s)}`);
    assert.equal(s.pair.remote.address, publicOf[i], `${p.label}: the peer is reached at its NAT's public address: ${brief(s)}`);
    t.diagnostic(`${p.label}: ${brief(s)}`);
  });
}));

test('Dialtone behind its own 1:1 NAT without hairpin (external-ip), both clients relay only: connects', { timeout: 90000 }, scenario(async (t) => {
  const sides = await placeCall(NATTED, 'video', true);
  for (const p of sides) {
    const { iceServers } = await iceServersEvent(p);
    assert.deepEqual(iceServers[0].urls, [`stun:${NATTED_SERVER}:3478`, `turn:${NATTED_SERVER}:3478?transport=udp`,
      `turn:${NATTED_SERVER}:3478?transport=tcp`], `${p.label}: iceServers at the external IP`);
  }
  const stats = await connected(sides, 'video');
  sides.forEach((p, i) => {
    const s = stats[i];
    assert.ok(isRelay(s.pair.local) && isRelay(s.pair.remote), `${p.label}: relay to relay: ${brief(s)}`);
    assertThroughRelay(p, s, null, NATTED_SERVER);
    t.diagnostic(`${p.label}: ${brief(s)}`);
  });
}));

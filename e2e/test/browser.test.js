'use strict';
// A real call in a real browser: the jar serves the test-call page, two headless Chromium windows
// (fake camera and microphone) call each other with iceTransportPolicy 'relay' using the TURN
// credentials from the server's iceServers, and getStats() proves media went through the relay.
//
//   DIALTONE_E2E_RELAY=dialtone (default) the jar's own relay (dialtone.relay.*): TURN over UDP,
//                               TCP and TLS (a test certificate Chromium trusts by its key)
//   DIALTONE_E2E_RELAY=coturn   a real coturn on loopback with the server's turn secret instead
//   DIALTONE_E2E_PAGE=jar       (default) page, /config.json and /dev/token from the jar's HTTP port
//   DIALTONE_E2E_PAGE=stub      the same routes from browser/stack.js, page files from the source tree
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, freePort, loopbackRelay, sleep } = require('../harness');
const { makeTlsCert, startCoturn, startStubHttp, httpGet, waitHttp, launchChromium, openPage, relayPortBlock } = require('../browser/stack');
const { state, waitState, rtcStats, waitStats, brief, describePages } = require('../browser/rtc');

const RELAY = process.env.DIALTONE_E2E_RELAY || 'dialtone';
const PAGE = process.env.DIALTONE_E2E_PAGE || 'jar';
const ICE_WAIT = 15000;      // call accepted → ICE connected through the relay
const MEDIA_WAIT = 10000;    // ICE connected → first audio bytes / decoded frames
const FAIL_WATCH = 8000;     // how long the wrong-secret call is watched for not connecting

const tag = crypto.randomBytes(2).toString('hex');
let seq = 0;
const uid = (name) => `${name}-${tag}-${++seq}`;

let relay = null;     // {urls, minPort, maxPort, logTail}
let tls = null;       // the built-in relay's TURNS certificate (trusted by key in Chromium)
let good = null;      // server whose turn secret the relay knows
let bad = null;       // server with a turn secret the relay does not know
let goodOrigin = null;
let badOrigin = null;
let browser = null;
const contexts = [];
const stubs = [];
const pages = [];

assert.ok(['coturn', 'dialtone'].includes(RELAY), `DIALTONE_E2E_RELAY must be coturn or dialtone, got ${RELAY}`);
assert.ok(['jar', 'stub'].includes(PAGE), `DIALTONE_E2E_PAGE must be jar or stub, got ${PAGE}`);

function serverProps(secret, extra = {}) {
  return {
    'dialtone.turn.secret': secret,
    'dialtone.turn.realm': 'dialtone',
    'dialtone.http.dev-tokens': 'true',
    'dialtone.relay.enabled': 'false',
    ...extra,
  };
}

/** relay URLs as the iceServers list (harness sets turn.urls.0 and .1: both are replaced) */
function urlProps(urls) {
  const props = {};
  urls.forEach((u, i) => { props[`dialtone.turn.urls.${i}`] = u; });
  return props;
}

async function pageOrigin(srv) {
  if (PAGE === 'stub') {
    const s = await startStubHttp(srv);
    stubs.push(s);
    return s.url;
  }
  const origin = `http://127.0.0.1:${srv.httpPort}`;
  const r = await waitHttp(`${origin}/config.json`, 10000,
    '(the jar must serve the test-call page on dialtone.http.port; DIALTONE_E2E_PAGE=stub tests the page without it)');
  const cfg = JSON.parse(r.body);
  assert.equal(cfg.signalingUrl, srv.url, `/config.json signalingUrl: ${r.body}`);
  return origin;
}

before(async () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const wrongSecret = crypto.randomBytes(24).toString('hex');
  if (RELAY === 'coturn') {
    relay = await startCoturn({ secret, realm: 'dialtone' });
    [good, bad] = await Promise.all([
      startServer({ ringTimeout: '30s', props: serverProps(secret, urlProps(relay.urls)) }),
      // Same relay, credentials minted with a secret it does not know.
      startServer({ ringTimeout: '30s', props: serverProps(wrongSecret, urlProps(relay.urls)) }),
    ]);
  } else {
    const port = await freePort();
    const tlsPort = await freePort();
    const { minPort, maxPort } = relayPortBlock();
    tls = makeTlsCert();
    // What the jar derives for its own relay (the harness always sets dialtone.turn.urls).
    const urls = [`stun:127.0.0.1:${port}`, `turn:127.0.0.1:${port}?transport=udp`,
      `turn:127.0.0.1:${port}?transport=tcp`, `turns:127.0.0.1:${tlsPort}?transport=tcp`];
    good = await startServer({
      ringTimeout: '30s',
      props: serverProps(secret, {
        ...loopbackRelay(port, {
          'dialtone.relay.tls-port': tlsPort,
          'dialtone.relay.tls-cert-file': tls.certFile,
          'dialtone.relay.tls-key-file': tls.keyFile,
          'dialtone.relay.min-port': minPort,
          'dialtone.relay.max-port': maxPort,
        }),
        ...urlProps(urls),
      }),
    });
    relay = { kind: 'dialtone', urls, minPort, maxPort, logTail: (n) => good.logTail(n), stop: async () => {} };
    // Same relay (the good server's), credentials minted with a secret it does not know.
    bad = await startServer({ ringTimeout: '30s', props: serverProps(wrongSecret, urlProps(relay.urls)) });
  }
  goodOrigin = await pageOrigin(good);
  badOrigin = await pageOrigin(bad);
  browser = await launchChromium(tls ? [`--ignore-certificate-errors-spki-list=${tls.spki}`] : []);
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const s of stubs) await s.stop();
  if (good) await good.stop();
  if (bad) await bad.stop();
  if (relay) await relay.stop();
  if (tls && !process.env.DIALTONE_E2E_KEEP) fs.rmSync(path.dirname(tls.certFile), { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

async function open(origin, user) {
  // One browser context (window) per user: both pages are foreground, so neither one's timers
  // and animation frames are throttled the way a background tab's are.
  const context = await browser.newContext();
  contexts.push(context);
  const page = await openPage(context, `${origin}/?user=${encodeURIComponent(user)}`, user);
  pages.push(page);
  page.user = user;
  await waitState(page, (s) => s.connection === 'connected', 10000, 'signaling connected');
  return page;
}

/** the page's own summary (window.dialtone.stats(), what it displays) until pred holds */
async function pageStats(page, pred, ms, what) {
  const t0 = Date.now();
  let s;
  for (;;) {
    s = await page.evaluate(() => window.dialtone.stats());
    if (pred(s)) return s;
    if (Date.now() - t0 > ms) {
      throw new assert.AssertionError({ message: `${page.label}: expected ${what} within ${ms} ms; page stats ${JSON.stringify(s)}` });
    }
    await sleep(250);
  }
}

function assertRelayPair(page, s) {
  assert.ok(s.pair, `${page.label}: no selected candidate pair: ${brief(s)}`);
  assert.equal(s.pair.state, 'succeeded', `${page.label}: selected pair not succeeded: ${brief(s)}`);
  const l = s.pair.local;
  assert.equal(l.candidateType, 'relay', `${page.label}: selected local candidate must be relay: ${brief(s)}`);
  assert.equal(l.address, '127.0.0.1', `${page.label}: relayed address must be the relay's: ${brief(s)}`);
  assert.ok(l.port >= relay.minPort && l.port <= relay.maxPort,
    `${page.label}: relayed port ${l.port} must be in the relay's range ${relay.minPort}-${relay.maxPort}`);
  assert.ok(s.pair.remote && s.pair.remote.candidateType, `${page.label}: selected pair has no remote candidate: ${brief(s)}`);
}

/** one sample of the jar's /metrics (Prometheus text), labels included in the name */
async function metric(srv, name) {
  const r = await httpGet(`http://127.0.0.1:${srv.httpPort}/metrics`);
  assert.ok(r && r.status === 200, `GET /metrics: ${r ? `HTTP ${r.status}` : 'no answer'}`);
  const line = r.body.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `/metrics has no sample ${name}:\n${r.body.split('\n').filter((l) => l.startsWith('dialtone_')).join('\n')}`);
  return Number(line.slice(name.length + 1).trim().split(' ')[0]);
}

/** the callEnded events a page received */
const ended = (page) => page.evaluate(() => window.dialtone.events.filter((e) => e.name === 'callEnded').map((e) => e.payload));

/** run a case; on failure append page consoles, page states and server / relay logs */
function scenario(fn) {
  return async (t) => {
    pages.length = 0;
    try {
      await fn(t);
    } catch (err) {
      const parts = await describePages(pages);
      parts.push(`--- server log tail (${good && good.logFile}) ---\n${good ? good.logTail(25) : ''}`);
      parts.push(`--- relay (${relay && relay.kind}) log tail ---\n${relay ? relay.logTail(25) : ''}`);
      err.message += `\n${parts.join('\n')}`;
      throw err;
    } finally {
      for (const c of contexts.splice(0)) await c.close().catch(() => {});
    }
  };
}

// ---------------------------------------------------------------- cases

test('voice call, relay only, with the page\'s buttons: relayed pair, audio flows, hang up → callEnded', { timeout: 45000 }, scenario(async (t) => {
  const aliceId = uid('alice');
  const bobId = uid('bob');
  const [alice, bob] = await Promise.all([open(goodOrigin, aliceId), open(goodOrigin, bobId)]);

  await bob.check('#relay-only');
  await alice.fill('#callee', bobId);
  await alice.check('input[name=callType][value=voice]');
  await alice.check('#relay-only');
  await alice.click('#call');

  await bob.locator('#accept').waitFor({ state: 'visible', timeout: 5000 });
  assert.match(await bob.textContent('#incoming-text'), new RegExp(`voice call from ${aliceId}`));
  await bob.click('#accept');

  for (const p of [alice, bob]) {
    await waitState(p, (s) => s.call.state === 'connected', 5000, 'call state connected');
    await waitState(p, (s) => s.ice === 'connected' || s.ice === 'completed', ICE_WAIT, 'ICE connected through the relay');
  }
  const first = {};
  const last = {};
  for (const p of [alice, bob]) {
    first[p.label] = await waitStats(p, (s) => s.pair && s.pair.state === 'succeeded' && s.audioBytes > 0, MEDIA_WAIT,
      'a succeeded selected pair and inbound audio bytes');
    assertRelayPair(p, first[p.label]);
  }
  await sleep(1500);
  for (const p of [alice, bob]) {
    const s = await rtcStats(p);
    last[p.label] = s;
    assert.ok(s.audioBytes > first[p.label].audioBytes,
      `${p.label}: inbound audio bytes must keep growing: ${first[p.label].audioBytes} → ${s.audioBytes}`);
    assertRelayPair(p, s);
    t.diagnostic(`${p.label}: ${brief(s)}`);
    if (RELAY === 'dialtone') {
      // every advertised way to reach the relay gave an allocation, as the relay logged it: Chromium
      // stops gathering once a pair works, and a TURN port that allocates after that (TLS, the last
      // to finish its handshake, now that the relay answers its first Allocate at once) is never
      // surfaced in getStats although the relay allocated for it
      const allocated = (t) => new RegExp(`allocated \\S+ for user ${p.label} from ${t} `);
      const t0 = Date.now();
      while (!['UDP', 'TCP', 'TLS'].every((t) => allocated(t).test(fs.readFileSync(good.logFile, 'utf8')))) {
        assert.ok(Date.now() - t0 < ICE_WAIT, `${p.label}: the relay did not log an allocation over TURN UDP, TCP and TLS each within ${ICE_WAIT} ms`);
        await sleep(250);
      }
    }
    assert.equal(s.videoBytes, 0, `${p.label}: a voice call carries no video: ${brief(s)}`);
    // what the page shows a person
    const shown = await pageStats(p, (x) => x.kbpsIn > 0 && x.kbpsOut > 0, 4000, 'the page showing a bitrate in and out');
    assert.equal(shown.pair && shown.pair.local.candidateType, 'relay', `${p.label}: page stats pair ${JSON.stringify(shown.pair)}`);
    assert.match(await p.textContent('#pair'), /^local relay /);
    assert.match(await p.textContent('#bitrate'), /kbit\/s$/);
  }

  await bob.click('#hangup');
  await waitState(bob, (s) => s.call.state === 'ended', 2000, 'bob ended');
  await waitState(alice, (s) => s.call.state === 'ended' && s.call.endCode === 'hangup', 3000, 'alice: call ended by hangup');
  assert.deepEqual(await ended(alice), [{ from: bobId, reason: 'hangup' }]);
  assert.match(await alice.textContent('#call-state'), /^ended: hangup/);
  assert.ok(await alice.isDisabled('#hangup') && await alice.isEnabled('#call'), 'alice can call again after the hang-up');

  if (PAGE === 'jar') { // what an operator sees afterwards
    assert.ok(await metric(good, 'dialtone_signaling_calls_ended_total{reason="hangup"}') >= 1, 'metrics count the hung-up call');
    assert.ok(await metric(good, 'dialtone_signaling_call_setup_seconds_count') >= 1, 'metrics time the call setup');
    if (RELAY === 'dialtone') {
      const media = last[aliceId].audioBytes + last[bobId].audioBytes;
      const relayed = await metric(good, 'dialtone_relay_bytes_total');
      assert.ok(relayed >= media, `relayed bytes in /metrics (${relayed}) must cover the audio both sides received (${media})`);
    }
  }
}));

test('video call, relay only: decoded frames on both sides, alice hangs up → bob sees callEnded', { timeout: 45000 }, scenario(async (t) => {
  const aliceId = uid('alice');
  const bobId = uid('bob');
  const [alice, bob] = await Promise.all([open(goodOrigin, aliceId), open(goodOrigin, bobId)]);

  const ackCall = await alice.evaluate((to) => window.dialtone.call(to, 'video', { relayOnly: true }), bobId);
  assert.equal(ackCall.ok, true, `callUser ack: ${JSON.stringify(ackCall)}`);
  await waitState(bob, (s) => s.call.state === 'ringing' && s.call.callType === 'video', 5000, 'ringing with a video call');
  const ackAnswer = await bob.evaluate(() => window.dialtone.answer({ relayOnly: true }));
  assert.deepEqual(ackAnswer, { ok: true, callId: ackCall.callId }, 'answerCall ack');

  for (const p of [alice, bob]) {
    await waitState(p, (s) => s.ice === 'connected' || s.ice === 'completed', ICE_WAIT, 'ICE connected through the relay');
  }
  for (const p of [alice, bob]) {
    const s = await waitStats(p, (x) => x.pair && x.pair.state === 'succeeded' && x.videoFrames > 0 && x.audioBytes > 0, MEDIA_WAIT,
      'a succeeded selected pair, decoded video frames and audio bytes');
    assertRelayPair(p, s);
    t.diagnostic(`${p.label}: ${brief(s)}`);
  }

  await alice.evaluate(() => window.dialtone.hangup());
  await waitState(bob, (s) => s.call.state === 'ended' && s.call.endCode === 'hangup', 3000, 'bob: call ended by hangup');
  assert.deepEqual(await ended(bob), [{ from: aliceId, reason: 'hangup' }]);
}));

test('wrong TURN secret: the relay refuses the credentials and a relay-only call never connects', { timeout: 30000 }, scenario(async () => {
  const carolId = uid('carol');
  const daveId = uid('dave');
  const [carol, dave] = await Promise.all([open(badOrigin, carolId), open(badOrigin, daveId)]);

  const ackCall = await carol.evaluate((to) => window.dialtone.call(to, 'voice', { relayOnly: true }), daveId);
  assert.equal(ackCall.ok, true, `callUser ack: ${JSON.stringify(ackCall)}`);
  await waitState(dave, (s) => s.call.state === 'ringing', 5000, 'ringing');
  const ackAnswer = await dave.evaluate(() => window.dialtone.answer({ relayOnly: true }));
  assert.equal(ackAnswer.ok, true, `answerCall ack: ${JSON.stringify(ackAnswer)}`);

  // Signaling works; media must not: watch both sides for a while.
  const t0 = Date.now();
  while (Date.now() - t0 < FAIL_WATCH) {
    for (const p of [carol, dave]) {
      const st = await state(p);
      assert.ok(!['connected', 'completed'].includes(st.ice), `${p.label}: ICE connected with refused credentials: ${JSON.stringify(st)}`);
      const s = await rtcStats(p);
      assert.ok(!(s.pair && s.pair.state === 'succeeded'), `${p.label}: a candidate pair succeeded: ${brief(s)}`);
      assert.equal(s.localCandidates.filter((c) => c.candidateType === 'relay').length, 0,
        `${p.label}: the relay allocated with credentials minted from the wrong secret: ${brief(s)}`);
    }
    await sleep(500);
  }
  for (const p of [carol, dave]) {
    const s = await rtcStats(p);
    assert.equal(s.audioBytes, 0, `${p.label}: audio arrived without a relay: ${brief(s)}`);
    const errs = await p.evaluate(() => window.dialtone.errors);
    assert.ok(errs.some((e) => /ICE candidate error 401/.test(e)),
      `${p.label}: the page must show the relay's 401 (icecandidateerror); errors: ${JSON.stringify(errs)}`);
  }
  await carol.evaluate(() => window.dialtone.hangup());
  await waitState(dave, (s) => s.call.state === 'ended' && s.call.endCode === 'hangup', 3000, 'dave: call ended by hangup');
}));

'use strict';
// The core call flow over websocket only, polling only, the default (polling → websocket
// upgrade) and mixed transports; auth and errors over each transport.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const WebSocket = require('ws');
const {
  startServer, startNode, scenario, once, noEvent, ack, offer, answer, candidate, turnCredential, sleep,
  TEST_TIMEOUT,
} = require('../harness');
const { httpGet } = require('../browser/stack');
const { ring, accept, hangup, assertIncoming } = require('../flows');

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });
const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

const WS = { transports: ['websocket'] };
const POLL = { transports: ['polling'] };
const DEFAULT = { transports: ['polling', 'websocket'] }; // socket.io-client's own default

function transportOf(s) { return s.io.engine && s.io.engine.transport && s.io.engine.transport.name; }

async function coreFlow(h, optsA, optsB) {
  const a = await h.connect(h.id('alice'), optsA);
  const b = await h.connect(h.id('bob'), optsB);
  for (const s of [a, b]) {
    const ev = await once(s, 'iceServers');
    assert.ok(ev.iceServers[0].username.endsWith(`:${s.userId}`));
    assert.equal(ev.iceServers[0].credential, turnCredential(srv.turnSecret, ev.iceServers[0].username));
    assert.equal(ev.ttl, 86400, 'default dialtone.turn.credential-ttl is 24h');
    const expiry = Number(ev.iceServers[0].username.split(':')[0]);
    assert.ok(Math.abs(expiry - (Math.floor(Date.now() / 1000) + 86400)) <= 10, `expiry ${expiry} ≈ now + 24h`);
  }
  // with acks
  const signalData = offer(4096);
  const { callId } = await ring(a, b.userId, [b], { signalData, callType: 'video' });
  assert.deepEqual(await ack(a, 'iceCandidate', { to: b.userId, candidate: candidate(1) }), { ok: true });
  assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: candidate(1) });
  const ans = answer(4096);
  await accept(a, b, callId, { signalData: ans });
  b.emit('iceCandidate', { to: a.userId, candidate: candidate(2) });
  assert.deepEqual(await once(a, 'iceCandidate'), { from: b.userId, candidate: candidate(2) });
  await hangup(a, b);
  // without acks, like the seed's clients
  const sd2 = offer(4096);
  b.emit('callUser', { to: a.userId, signalData: sd2, callType: 'voice' });
  const inc = await once(a, 'incomingCall');
  assertIncoming(inc, { from: b.userId, signalData: sd2, callType: 'voice', calleeId: a.userId });
  const ans2 = answer(4096);
  a.emit('answerCall', { to: b.userId, signalData: ans2 });
  assert.deepEqual(await once(b, 'callAccepted'), ans2);
  a.emit('endCall', { to: b.userId });
  assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'hangup' });
  // an error answer and a getIceServers ack on this transport
  a.emit('callUser', { to: h.id('ghost'), signalData: offer(300), callType: 'voice' });
  assert.deepEqual(await once(a, 'error'), { message: 'User is offline', code: 'USER_OFFLINE' });
  const ice = await ack(b, 'getIceServers');
  assert.equal(ice.ok, true);
  assert.equal(ice.iceServers[0].credential, turnCredential(srv.turnSecret, ice.iceServers[0].username));
  return [a, b];
}

t('core flow over websocket only', async (h) => {
  const [a, b] = await coreFlow(h, WS, WS);
  assert.equal(transportOf(a), 'websocket');
  assert.equal(transportOf(b), 'websocket');
});

t('core flow over polling only', async (h) => {
  const [a, b] = await coreFlow(h, POLL, POLL);
  assert.equal(transportOf(a), 'polling');
  assert.equal(transportOf(b), 'polling');
});

t('core flow with the default transports (polling, then upgrade)', async (h) => {
  await coreFlow(h, DEFAULT, DEFAULT);
});

t('core flow across transports: polling caller, websocket callee', async (h) => {
  await coreFlow(h, POLL, WS);
});

t('core flow across transports: websocket caller, polling callee', async (h) => {
  await coreFlow(h, WS, POLL);
});

t('the default client upgrades from polling to websocket', async (h) => {
  const a = await h.connect(h.id('alice'), DEFAULT);
  const t0 = Date.now();
  while (transportOf(a) !== 'websocket' && Date.now() - t0 < 3000) await sleep(50);
  assert.equal(transportOf(a), 'websocket', 'the polling → websocket upgrade must complete within 3 s');
  assert.deepEqual(await ack(a, 'checkOnline', { userIds: [a.userId] }), { ok: true, online: { [a.userId]: true } });
});

/** The /metrics samples whose names start with `prefix`, as name{labels} → value. */
async function samples(prefix) {
  const r = await httpGet(`http://127.0.0.1:${srv.httpPort}/metrics`);
  assert.ok(r && r.status === 200, `GET /metrics: ${r ? `HTTP ${r.status}` : 'no answer'}`);
  return Object.fromEntries(r.body.split('\n').filter((l) => l.startsWith(prefix))
    .map((l) => { const at = l.lastIndexOf(' '); return [l.slice(0, at), Number(l.slice(at + 1))]; }));
}

t('metrics count connects by the transport they came over, and the polling → websocket upgrades', async (h) => {
  const names = ['dialtone_signaling_connects_total{transport="websocket"}',
    'dialtone_signaling_connects_total{transport="polling"}', 'dialtone_signaling_upgrades_total'];
  const counts = async () => { const m = await samples('dialtone_signaling_'); return names.map((n) => m[n] || 0); };
  const before = await counts();
  await h.connect(h.id('ws'), WS);
  await h.connect(h.id('poll'), POLL);
  const d = await h.connect(h.id('default'), DEFAULT);
  const t0 = Date.now();
  while (transportOf(d) !== 'websocket' && Date.now() - t0 < 10000) await sleep(50);
  assert.equal(transportOf(d), 'websocket', 'the default client upgraded');
  const expected = [before[0] + 1, before[1] + 2, before[2] + 1];
  let now = await counts();
  // the client switches on sending its upgrade packet; the server counts when it reads it
  while (JSON.stringify(now) !== JSON.stringify(expected) && Date.now() - t0 < 10000) { await sleep(50); now = await counts(); }
  assert.deepEqual(now, expected, `${names.join(', ')}: one websocket connect, two over polling, one upgrade`);
});

t('default transports: 40 fresh clients each get prompt answers across the polling → websocket upgrade', async (h) => {
  // A real client's first requests go out while it upgrades. Every one must be answered
  // promptly and no connection may fail or drop (Node's socket.io server: 0 of 40 slow).
  const problems = [];
  for (let i = 0; i < 40; i += 1) {
    const id = h.id('up');
    let s;
    try { s = await h.connect(id, DEFAULT); } catch (e) { problems.push(`#${i} connect failed: ${e.message.split('\n')[0]}`); continue; }
    let dropped = null;
    s.on('disconnect', (r) => { dropped = r; });
    await sleep(i % 4 === 0 ? 0 : 20 * (i % 4)); // hit different moments of the upgrade
    for (let k = 0; k < 2; k += 1) {
      const t0 = Date.now();
      const resp = await Promise.race([ack(s, 'checkOnline', { userIds: [id] }).catch(() => null), sleep(1000).then(() => null)]);
      const ms = Date.now() - t0;
      if (!resp || resp.ok !== true) problems.push(`#${i} request ${k}: no answer within 1000 ms (transport ${transportOf(s)}, upgrade state: ${s.io.engine.upgrading ? 'upgrading' : 'idle'}${dropped ? `, disconnected: ${dropped}` : ''})`);
      else if (ms > 1000) problems.push(`#${i} request ${k}: answered after ${ms} ms`);
    }
    await h.disconnect(s);
  }
  assert.deepEqual(problems, [], `default-transport clients stalled or failed:\n${problems.join('\n')}`);
});

t('multi-device on mixed transports: websocket, polling and default devices all ring', async (h) => {
  const a = await h.connect(h.id('alice'), POLL);
  const bId = h.id('bob');
  const bs = [await h.connect(bId, WS), await h.connect(bId, POLL), await h.connect(bId, DEFAULT)];
  const { callId } = await ring(a, bId, bs);
  await accept(a, bs[1], callId);
  for (const s of [bs[0], bs[2]]) assert.deepEqual(await once(s, 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  await hangup(bs[1], a);
  await noEvent(bs[0], 'callEnded', 150);
});

for (const [name, opts] of [['websocket', WS], ['polling', POLL]]) {
  t(`auth over ${name}: query token accepted, forged and missing tokens refused`, async (h) => {
    const a = await h.connect(h.id('alice'), { ...opts, via: 'query' });
    assert.ok((await once(a, 'iceServers')).iceServers[0].username.endsWith(`:${a.userId}`));
    const e1 = await h.connectError({ ...opts, auth: { token: jwt.sign({ sub: 'x' }, 'wrong', { expiresIn: '1h' }) } }, `forged-${name}`);
    assert.equal(e1.message, 'Authentication error');
    const e2 = await h.connectError({ ...opts }, `missing-${name}`);
    assert.equal(e2.message, 'Authentication error');
    const e3 = await h.connectError({ ...opts, auth: { token: srv.token('x', { options: { expiresIn: -10 } }) } }, `expired-${name}`);
    assert.equal(e3.message, 'Authentication error');
  });

  t(`caller disconnect over ${name} is noticed: callee gets callEnded disconnected`, async (h) => {
    const a = await h.connect(h.id('alice'), opts);
    const b = await h.connect(h.id('bob'), WS);
    const { callId } = await ring(a, b.userId, [b]);
    await accept(a, b, callId);
    await h.disconnect(a);
    assert.deepEqual(await once(b, 'callEnded', 5000), { from: a.userId, reason: 'disconnected' });
  });
}

test('websocket heartbeat: a socket answering pings outlives many ping timeouts, one that stops is dropped at its timeout', { timeout: TEST_TIMEOUT }, async () => {
  // ping interval + timeout = 2 s: every pong pushes the socket's deadline back by 2 s
  const quick = await startNode({ props: { 'dialtone.signaling.ping-interval': '1s', 'dialtone.signaling.ping-timeout': '1s' } });
  const ws = new WebSocket(`${quick.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  try {
    let answering = true;
    let lastPong = 0;
    const frames = [];
    ws.on('message', (data) => {
      const frame = data.toString();
      frames.push(frame);
      if (frame === '2' && answering) { ws.send('3'); lastPong = Date.now(); }
    });
    const closed = new Promise((resolve) => ws.on('close', () => resolve(Date.now())));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(`40${JSON.stringify({ token: quick.token('hearty') })}`);
    const t0 = Date.now();
    await sleep(5000);
    assert.equal(ws.readyState, WebSocket.OPEN, `still connected after 5 s of pongs: ${JSON.stringify(frames.map((f) => f.slice(0, 12)))}`);
    assert.ok(frames.filter((f) => f === '2').length >= 3, `pinged every second: ${frames.length} frames`);
    assert.ok(frames.some((f) => f.startsWith('40{"sid"')), 'connected');
    answering = false;
    const end = await Promise.race([closed, sleep(10000).then(() => null)]);
    assert.ok(end, 'dropped once it stopped answering');
    const silent = end - lastPong;
    assert.ok(silent >= 1500 && silent < 6000, `dropped ${silent} ms after the last pong (interval + timeout: 2 s); connected ${end - t0} ms`);
  } finally {
    ws.terminate();
    await quick.stop();
  }
});

'use strict';
// Waking a callee through the app's push (dialtone.push): call webhooks in the Standard Webhooks
// format to a real HTTP receiver on loopback that verifies every signature with npm
// `standardwebhooks`; callees whose device connects after the wake-up, on each transport.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const {
  startNode, startCluster, scenario, scenarioOnNodes, once, noEvent, ack, offer, answer, sleep, Scope, TEST_TIMEOUT,
} = require('../harness');
const { ring, accept, hangup, assertIncoming } = require('../flows');
const { startReceiver, pushProps, newDataDir } = require('../webhooks');

const WAIT_MS = 4000;
const GONE = 'gone-'; // the receiver answers 410 to a call.incoming for users named so
let srv;
let receiver;
before(async () => {
  receiver = await startReceiver({ respond: (hook) => (hook.type === 'call.incoming' && hook.data.to.startsWith(GONE) ? 410 : 200) });
  srv = await startNode({
    props: pushProps(receiver, { wait: `${WAIT_MS}ms`, events: ['call.incoming', 'call.cancelled', 'call.ended'] }),
  });
});
after(async () => {
  if (srv) await srv.stop();
  if (receiver) await receiver.stop();
});
const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, async (h, tt) => {
  await fn(h, tt);
  receiver.assertAllVerified();
}));

const forCall = (type, callId) => (hk) => hk.type === type && hk.data.callId === callId;

/** Connect userId over `transport`, recording the order of the first events it gets. */
async function connectRecording(h, userId, transport) {
  const order = [];
  const socket = h._socket({ auth: { token: h.token(userId) }, transports: [transport] }, `${userId}#${transport}`);
  socket.onAny((ev) => order.push(ev));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${userId}: connect timed out`)), 8000);
    socket.once('connect', () => { clearTimeout(timer); resolve(); });
    socket.once('connect_error', (err) => { clearTimeout(timer); reject(err); });
    socket.connect();
  });
  socket.userId = userId;
  socket.srv = h.srv;
  return { socket, order };
}

/** callUser to a user with no device: the waking ack, and the signed call.incoming it causes. */
async function callWaking(caller, calleeId, { signalData = offer(), callType = 'voice' } = {}) {
  const t0 = Date.now();
  const resp = await ack(caller, 'callUser', { to: calleeId, signalData, callType });
  assert.equal(resp.ok, true, `callUser to a user with no device must wait for one: ${JSON.stringify(resp)}`);
  assert.deepEqual(Object.keys(resp).sort(), ['callId', 'ok', 'waking'], `ack {ok, callId, waking}: ${JSON.stringify(resp)}`);
  assert.equal(resp.waking, true);
  const incoming = await receiver.wait(forCall('call.incoming', resp.callId), 5000, `call.incoming of ${resp.callId}`);
  assert.deepEqual(Object.keys(incoming.data).sort(), ['callId', 'callType', 'expiresAt', 'from', 'to']);
  assert.deepEqual({ ...incoming.data, expiresAt: undefined },
    { callId: resp.callId, from: caller.userId, to: calleeId, callType, expiresAt: undefined });
  const expires = Date.parse(incoming.data.expiresAt);
  assert.ok(expires >= t0 + WAIT_MS - 1000 && expires <= Date.now() + WAIT_MS + 1000,
    `expiresAt ${incoming.data.expiresAt} must be the push wait (${WAIT_MS} ms) after the call`);
  assert.match(incoming.id, /^msg_/, 'webhook-id');
  assert.ok(Math.abs(incoming.timestamp - Date.now() / 1000) < 30, 'webhook-timestamp is now, in seconds');
  return { callId: resp.callId, signalData, incoming };
}

/**
 * Alice, on callerScope's node, calls bob, who has no device; bob's phone then connects to
 * phoneScope's node and his laptop to laptopScope's over `transport`: both ring right after
 * iceServers, the phone answers, alice hangs up. The backend hears call.incoming, call.cancelled
 * answered and call.ended, in that order.
 */
async function wokenCalleeAnswers(callerScope, phoneScope, laptopScope, transport) {
  const alice = await callerScope.connect(callerScope.id('alice'));
  const bobId = callerScope.id('bob');
  const { callId, signalData } = await callWaking(alice, bobId, { callType: 'video' });

  const phone = await connectRecording(phoneScope, bobId, transport);
  const inc = await once(phone.socket, 'incomingCall');
  assertIncoming(inc, { from: alice.userId, signalData, callType: 'video', callId, calleeId: bobId });
  assert.deepEqual(phone.order.slice(0, 2), ['iceServers', 'incomingCall'], 'incomingCall comes right after iceServers');
  const laptop = await connectRecording(laptopScope, bobId, transport);
  assertIncoming(await once(laptop.socket, 'incomingCall'), { from: alice.userId, signalData, callType: 'video', callId, calleeId: bobId });

  const ans = answer();
  assert.deepEqual(await ack(phone.socket, 'answerCall', { to: alice.userId, signalData: ans }), { ok: true, callId });
  assert.deepEqual(await once(alice, 'callAccepted'), ans);
  assert.deepEqual(await once(laptop.socket, 'callEnded'), { from: alice.userId, reason: 'answered-elsewhere' });
  const cancelled = await receiver.wait(forCall('call.cancelled', callId), 5000, 'call.cancelled answered');
  assert.deepEqual(cancelled.data, { callId, from: alice.userId, to: bobId, reason: 'answered' });

  await hangup(alice, phone.socket);
  const ended = await receiver.wait(forCall('call.ended', callId), 5000, 'call.ended');
  assert.deepEqual(Object.keys(ended.data).sort(),
    ['answeredAt', 'callId', 'callType', 'endedAt', 'endedBy', 'from', 'reason', 'startedAt', 'to']);
  assert.equal(ended.data.reason, 'hangup');
  assert.equal(ended.data.endedBy, alice.userId);
  assert.equal(ended.data.callType, 'video');
  const [started, answered, endedAt] = ['startedAt', 'answeredAt', 'endedAt'].map((k) => Date.parse(ended.data[k]));
  assert.ok(started <= answered && answered <= endedAt, `startedAt <= answeredAt <= endedAt: ${JSON.stringify(ended.data)}`);
  const order = receiver.all((hk) => hk.data.callId === callId).map((hk) => hk.type);
  assert.deepEqual(order, ['call.incoming', 'call.cancelled', 'call.ended'], 'a call\'s webhooks arrive in order');
}

/**
 * Alice (callerScope) calls bob, who has no device; a device of bob's wakes on calleeScope's node
 * and rings until the wait runs out: both get callEnded no-answer, the backend call.cancelled no-answer.
 */
async function waitRunsOut(callerScope, calleeScope) {
  const alice = await callerScope.connect(callerScope.id('alice'));
  const bobId = callerScope.id('bob');
  const t0 = Date.now();
  const { callId } = await callWaking(alice, bobId);
  const bob = await calleeScope.connect(bobId);
  await once(bob, 'incomingCall');
  assert.deepEqual(await once(alice, 'callEnded', WAIT_MS + 3000), { from: bobId, reason: 'no-answer' });
  assert.ok(Date.now() - t0 >= WAIT_MS - 200, 'not before the push wait');
  assert.deepEqual(await once(bob, 'callEnded'), { from: alice.userId, reason: 'no-answer' });
  const cancelled = await receiver.wait(forCall('call.cancelled', callId), 5000, 'call.cancelled no-answer');
  assert.deepEqual(cancelled.data, { callId, from: alice.userId, to: bobId, reason: 'no-answer' });
  const ended = await receiver.wait(forCall('call.ended', callId), 5000, 'call.ended');
  assert.deepEqual([ended.data.reason, ended.data.endedBy, ended.data.answeredAt], ['no-answer', null, null]);
  return { alice, bob };
}

for (const transport of ['websocket', 'polling']) {
  t(`${transport}: the callee's devices connect after the wake-up, get incomingCall right after iceServers, first answer wins`,
    (h) => wokenCalleeAnswers(h, h, h, transport));
}

t('caller hangs up while waiting: call.cancelled hangup; a device connecting later gets no incomingCall', async (h) => {
  const alice = await h.connect(h.id('alice'));
  const bobId = h.id('bob');
  const { callId } = await callWaking(alice, bobId);
  assert.deepEqual(await ack(alice, 'endCall', { to: bobId }), { ok: true });
  const cancelled = await receiver.wait(forCall('call.cancelled', callId), 5000, 'call.cancelled hangup');
  assert.deepEqual(cancelled.data, { callId, from: alice.userId, to: bobId, reason: 'hangup' });
  const ended = await receiver.wait(forCall('call.ended', callId), 5000, 'call.ended');
  assert.equal(ended.data.answeredAt, null);
  assert.equal(ended.data.reason, 'hangup');
  assert.equal(ended.data.endedBy, alice.userId);
  const bob = await h.connect(bobId);
  await noEvent(bob, 'incomingCall', 500);
  // nothing left over: the two can call each other at once
  const r = await ring(alice, bobId, [bob]);
  await accept(alice, bob, r.callId);
  await hangup(bob, alice);
});

t('the wait runs out: caller and a device still ringing get callEnded no-answer, the backend call.cancelled no-answer',
  (h) => waitRunsOut(h, h));

t('the backend answers call.incoming 410: the caller gets error "User is offline" at once, no call.cancelled', async (h) => {
  const alice = await h.connect(h.id('alice'));
  const goneId = h.id(`${GONE}bob`);
  const t0 = Date.now();
  const { callId } = await callWaking(alice, goneId);
  assert.deepEqual(await once(alice, 'error'), { message: 'User is offline', code: 'USER_OFFLINE' });
  assert.ok(Date.now() - t0 < WAIT_MS - 1000, 'at once, not at the end of the wait');
  const ended = await receiver.wait(forCall('call.ended', callId), 5000, 'call.ended');
  assert.equal(ended.data.reason, 'offline');
  assert.deepEqual(receiver.all(forCall('call.cancelled', callId)), [], 'the backend knows: no call.cancelled');
  // the caller is free again
  const carol = await h.connect(h.id('carol'));
  const r = await ring(alice, carol.userId, [carol]);
  await accept(alice, carol, r.callId);
  await hangup(alice, carol);
});

t('busy is unchanged: a callee waited for is busy for a second caller', async (h) => {
  const alice = await h.connect(h.id('alice'));
  const carol = await h.connect(h.id('carol'));
  const bobId = h.id('bob');
  const { callId } = await callWaking(alice, bobId);
  const resp = await ack(carol, 'callUser', { to: bobId, signalData: offer(), callType: 'voice' });
  assert.deepEqual(resp.error && resp.error.code, 'BUSY', JSON.stringify(resp));
  assert.deepEqual(await once(carol, 'callRejected'), { from: bobId, reason: 'busy' });
  assert.deepEqual(await ack(alice, 'endCall', { to: bobId }), { ok: true });
  await receiver.wait(forCall('call.cancelled', callId), 5000, 'call.cancelled');
});

t('call.ended for a call between two online users, with who ended it', async (h) => {
  const alice = await h.connect(h.id('alice'));
  const bob = await h.connect(h.id('bob'));
  const r = await ring(alice, bob.userId, [bob]);
  await accept(alice, bob, r.callId);
  await hangup(bob, alice);
  const ended = await receiver.wait(forCall('call.ended', r.callId), 5000, 'call.ended');
  assert.equal(ended.data.reason, 'hangup');
  assert.equal(ended.data.endedBy, bob.userId);
  assert.notEqual(ended.data.answeredAt, null);
  assert.deepEqual(receiver.all((hk) => hk.data.callId === r.callId && hk.type !== 'call.ended'), [],
    'no call.incoming / call.cancelled for a call that woke nobody');
});

// ---------------------------------------------------------------- two nodes on one redis-server

// Each node has its outbox (data-dir) and sends to the same receiver: a call's call.incoming comes
// from the caller's node, the rest from the node that ended or answered it (docs/cluster.md).
let cluster;
let nodeA;
let nodeB;
before(async () => {
  cluster = await startCluster({
    nodeProps: () => pushProps(receiver, { wait: `${WAIT_MS}ms`, events: ['call.incoming', 'call.cancelled', 'call.ended'] }),
  });
  [nodeA, nodeB] = cluster.nodes;
});
after(async () => {
  if (cluster) await cluster.stop();
});
const onTwoNodes = (name, fn) => test(`cluster: ${name}`, { timeout: TEST_TIMEOUT },
  scenarioOnNodes(() => [nodeA, nodeB], async (onA, onB) => {
    await fn(onA, onB);
    receiver.assertAllVerified();
  }));

for (const transport of ['websocket', 'polling']) {
  onTwoNodes(`${transport}: caller on node A, the woken callee's phone connects to node B and answers; its laptop on A stops ringing`,
    (onA, onB) => wokenCalleeAnswers(onA, onB, onA, transport));
}

onTwoNodes('the wait runs out across nodes: caller on A and the device woken on B get callEnded no-answer, the backend call.cancelled no-answer', async (onA, onB) => {
  const { alice, bob } = await waitRunsOut(onA, onB);
  // nothing left over on either node: bob, on B, can call alice, on A, at once
  const r = await ring(bob, alice.userId, [alice]);
  await accept(bob, alice, r.callId);
  await hangup(alice, bob);
});

onTwoNodes('410 to call.incoming: the caller on B gets error "User is offline" at once; a caller on A hanging up cancels with hangup', async (onA, onB) => {
  const carol = await onB.connect(onB.id('carol'));
  const goneId = onB.id(`${GONE}bob`);
  const t0 = Date.now();
  const gone = await callWaking(carol, goneId);
  assert.deepEqual(await once(carol, 'error'), { message: 'User is offline', code: 'USER_OFFLINE' });
  assert.ok(Date.now() - t0 < WAIT_MS - 1000, 'at once, not at the end of the wait');
  assert.equal((await receiver.wait(forCall('call.ended', gone.callId), 5000, 'call.ended offline')).data.reason, 'offline');

  const alice = await onA.connect(onA.id('alice'));
  const daveId = onA.id('dave');
  const { callId } = await callWaking(alice, daveId);
  assert.deepEqual(await ack(alice, 'endCall', { to: daveId }), { ok: true });
  const cancelled = await receiver.wait(forCall('call.cancelled', callId), 5000, 'call.cancelled hangup');
  assert.deepEqual(cancelled.data, { callId, from: alice.userId, to: daveId, reason: 'hangup' });
  const dave = await onB.connect(daveId);
  await noEvent(dave, 'incomingCall', 500);
});

// ---------------------------------------------------------------- delivery that loses nothing

function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

function metric(text, name) {
  return text.split('\n').filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function until(what, fn, ms = 10000) {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return;
    if (Date.now() - t0 > ms) throw new assert.AssertionError({ message: `${what} within ${ms} ms` });
    await sleep(50);
  }
}

async function sigkill(node) {
  process.kill(node.pid, 'SIGKILL');
  await until('the SIGKILLed server exits', () => node.exited, 10000);
  await node.stop();
}

test('receiver down → server SIGKILLed → restarted → receiver up: every webhook delivered exactly once per webhook-id',
  { timeout: 90000 }, async () => {
    const dataDir = newDataDir();
    const down = await startReceiver();
    const port = down.port;
    await down.down();
    const rx = await startReceiver({ port, secret: down.secret, down: true });
    const props = pushProps(rx, { wait: '30s', dataDir, events: ['call.incoming', 'call.cancelled', 'call.ended'] });
    let first = await startNode({ props });
    let second;
    try {
      const h = new Scope(first);
      const alice = await h.connect(h.id('alice'));
      const bob = await h.connect(h.id('bob'));
      const callIds = [];
      for (let i = 0; i < 3; i += 1) {
        const r = await ring(alice, bob.userId, [bob]);
        await accept(alice, bob, r.callId);
        await hangup(alice, bob);
        callIds.push(r.callId);
      }
      const waitingFor = h.id('carol');
      const resp = await ack(alice, 'callUser', { to: waitingFor, signalData: offer(), callType: 'voice' });
      assert.equal(resp.waking, true);

      // the receiver being down does not make the server unready, and shows in the metrics
      await until('a failed delivery attempt in the metrics',
        async () => metric((await get(first.httpPort, '/metrics')).body, 'dialtone_push_webhooks_failed_total') >= 1);
      assert.equal((await get(first.httpPort, '/readyz')).status, 200, '/readyz is unaffected by a receiver that is down');
      assert.equal(metric((await get(first.httpPort, '/metrics')).body, 'dialtone_push_webhooks_pending'), 4);
      assert.ok(/webhook msg_\S+ call\.\w+ for call \S+ failed: no answer/.test(first.logTail(200)),
        'one log line per failed delivery');

      await h.close();
      await sigkill(first);
      first = null;

      second = await startNode({ props });
      await sleep(500); // attempts against the receiver that is still down
      await rx.up();
      for (const callId of callIds) {
        const ended = await rx.wait(forCall('call.ended', callId), 15000, `call.ended of ${callId} after the restart`);
        assert.equal(ended.data.reason, 'hangup');
      }
      const cancelled = await rx.wait(forCall('call.cancelled', resp.callId), 15000, 'call.cancelled of the call that died');
      assert.deepEqual(cancelled.data, { callId: resp.callId, from: alice.userId, to: waitingFor, reason: 'disconnected' });
      const diedEnded = await rx.wait(forCall('call.ended', resp.callId), 15000, 'call.ended of the call that died');
      assert.equal(diedEnded.data.reason, 'disconnected');
      await sleep(1500); // any duplicate would have arrived by now (retry-max 1 s)
      const ids = rx.received.map((hk) => hk.id);
      assert.equal(new Set(ids).size, ids.length, `each webhook-id delivered once: ${JSON.stringify(rx.received.map((hk) => [hk.id, hk.type]))}`);
      assert.equal(rx.all('call.ended').length, 4);
      assert.deepEqual(rx.all('call.incoming'), [], 'the announcement of a call that died became its call.cancelled');
      rx.assertAllVerified();
      await until('nothing pending', async () => metric((await get(second.httpPort, '/metrics')).body, 'dialtone_push_webhooks_pending') === 0);
    } finally {
      if (first) await first.stop();
      if (second) await second.stop();
      await rx.stop();
    }
  });

// ---------------------------------------------------------------- configuration refused at start

test('push with a malformed secret is refused at start with a clear message', { timeout: 60000 }, async () => {
  const props = pushProps(receiver);
  const bad = 'not-a-whsec-secret-0123456789';
  await assert.rejects(startNode({ props: { ...props, 'dialtone.push.secret': bad } }), (err) => {
    assert.match(err.message, /dialtone\.push\.secret must start with whsec_/);
    assert.ok(!err.message.split('--- server log tail')[1].includes(bad), 'the secret is never logged');
    return true;
  });
});

test('past max-history the oldest call.ended are dropped with a metric and a log line, never a wake-up', { timeout: 60000 }, async () => {
  const rx = await startReceiver();
  await rx.down();
  const node = await startNode({ props: pushProps(rx, {
    wait: '30s', events: ['call.incoming', 'call.cancelled', 'call.ended'], extra: { 'dialtone.push.max-history': 3 },
  }) });
  const h = new Scope(node);
  try {
    const alice = await h.connect(h.id('alice'));
    const bob = await h.connect(h.id('bob'));
    const asleep = h.id('carol');
    const waking = await ack(alice, 'callUser', { to: asleep, signalData: offer(), callType: 'voice' });
    assert.equal(waking.waking, true);
    assert.deepEqual(await ack(alice, 'endCall', { to: asleep }), { ok: true });
    const callIds = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await ring(alice, bob.userId, [bob]);
      await hangup(alice, bob);
      callIds.push(r.callId);
    }
    const text = (await get(node.httpPort, '/metrics')).body;
    const overflow = text.split('\n').filter((l) => l.startsWith('dialtone_push_webhooks_dropped_total{') && l.includes('reason="overflow"'));
    assert.equal(metric(overflow.join('\n'), 'dialtone_push_webhooks_dropped_total'), 3,
      'six call.ended for room for three: the three oldest dropped');
    // three call.ended and the call.cancelled; the withdrawn call.incoming goes once its attempt, if one
    // was under way when the caller hung up, has failed
    await until('4 webhooks pending', async () => metric((await get(node.httpPort, '/metrics')).body, 'dialtone_push_webhooks_pending') === 4);
    assert.match(node.logTail(100), /webhook outbox full \(dialtone\.push\.max-history = 3\): dropped the \d+ oldest call\.ended/);

    await rx.up();
    await rx.wait(forCall('call.cancelled', waking.callId), 15000, 'the wake-up\'s call.cancelled, never dropped');
    for (const callId of callIds.slice(2)) await rx.wait(forCall('call.ended', callId), 15000, `call.ended of ${callId}`);
    await until('nothing pending', async () => metric((await get(node.httpPort, '/metrics')).body, 'dialtone_push_webhooks_pending') === 0);
    // different calls' webhooks may arrive in any order (retries, concurrent deliveries)
    assert.deepEqual(rx.all('call.ended').map((hk) => hk.data.callId).sort(), callIds.slice(2).sort(), 'the newest three');
    rx.assertAllVerified();
  } finally {
    await h.close();
    await node.stop();
    await rx.stop();
  }
});

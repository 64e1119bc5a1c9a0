'use strict';
// Two Dialtone nodes sharing one real redis-server (dialtone.cluster.redis-url): every kind of
// call with the caller on one node and the callee on the other, then one node SIGKILLed and the
// survivor clearing its users and calls within the documented bound (node-ttl + heartbeat-interval).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  startNode, Scope, scenarioOnNodes, once, noEvent, noEventOn, ack, offer, answer, candidate,
  assertErrorAck, waitPresence, sleep, TEST_TIMEOUT,
} = require('../harness');
const { ring, accept, connectCall, hangup, assertCanCall } = require('../flows');
const { startRedis } = require('../redis');

// longer than the cleanup bound, so that a dead node's ringing calls end as 'disconnected'
const RING_MS = 5000;
const NODE_TTL_MS = 2000;
const HEARTBEAT_MS = 500;
/** docs/cluster.md: a dead node's sockets are cleared within node-ttl + heartbeat-interval */
const CLEANUP_BOUND_MS = NODE_TTL_MS + HEARTBEAT_MS;

let redis;
let clusterProps; // what every node of the cluster is started with
let nodeA;
let nodeB;

before(async () => {
  redis = await startRedis();
  clusterProps = {
    'dialtone.cluster.redis-url': redis.url,
    'dialtone.cluster.node-ttl': `${NODE_TTL_MS}ms`,
    'dialtone.cluster.heartbeat-interval': `${HEARTBEAT_MS}ms`,
    'dialtone.auth.jwt-secret': crypto.randomBytes(24).toString('hex'),
    'dialtone.turn.secret': crypto.randomBytes(24).toString('hex'),
  };
  [nodeA, nodeB] = await Promise.all([
    startNode({ ringTimeout: `${RING_MS}ms`, props: clusterProps }),
    startNode({ ringTimeout: `${RING_MS}ms`, props: clusterProps }),
  ]);
});

after(async () => {
  await Promise.all([nodeA, nodeB].filter(Boolean).map((n) => n.stop()));
  if (redis) await redis.stop();
});

/** A test with a scope on each node; on failure both nodes' log tails are appended. */
const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenarioOnNodes(() => [nodeA, nodeB], fn));

t('call across nodes: incomingCall, answerCall/callAccepted, iceCandidate both ways, endCall both ways', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  const { callId } = await ring(alice, bob.userId, [bob], { callType: 'video', signalData: offer(4096) });
  await accept(alice, bob, callId, { signalData: answer(4096) });
  assert.deepEqual(await ack(alice, 'iceCandidate', { to: bob.userId, candidate: candidate(1) }), { ok: true });
  assert.deepEqual(await once(bob, 'iceCandidate'), { from: alice.userId, candidate: candidate(1) });
  const withNulls = { candidate: candidate(2).candidate, sdpMid: null, sdpMLineIndex: 0, usernameFragment: null };
  bob.emit('iceCandidate', { to: alice.userId, candidate: withNulls });
  assert.deepEqual(await once(alice, 'iceCandidate'), { from: bob.userId, candidate: withNulls }, 'relayed verbatim, nulls kept');
  await hangup(bob, alice);
  // and the other way round, without acks (the seed's flow)
  const signalData = offer(1024);
  bob.emit('callUser', { to: alice.userId, signalData, callType: 'voice' });
  const inc = await once(alice, 'incomingCall');
  assert.equal(inc.from, bob.userId);
  assert.deepEqual(inc.signalData, signalData);
  const ans = answer(1024);
  alice.emit('answerCall', { to: bob.userId, signalData: ans });
  assert.deepEqual(await once(bob, 'callAccepted'), ans);
  alice.emit('endCall', { to: bob.userId });
  assert.deepEqual(await once(bob, 'callEnded'), { from: alice.userId, reason: 'hangup' });
  await noEventOn([alice, bob], 'error', 200);
});

t('rejectCall across nodes: the caller gets callRejected declined; both can call again', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  await ring(alice, bob.userId, [bob]);
  assert.deepEqual(await ack(bob, 'rejectCall', { to: alice.userId }), { ok: true });
  assert.deepEqual(await once(alice, 'callRejected'), { from: bob.userId, reason: 'declined' });
  await assertCanCall(bob, alice.userId, [alice]);
});

t('checkOnline on one node sees the users of the other, and their going offline', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  const nobody = onA.id('nobody');
  const resp = await ack(alice, 'checkOnline', { userIds: [bob.userId, nobody, alice.userId] });
  assert.deepEqual(resp, { ok: true, online: { [bob.userId]: true, [nobody]: false, [alice.userId]: true } });
  await onB.disconnect(bob);
  await waitPresence(alice, bob.userId, false);
});

t('callUser to a user connected to no node → USER_OFFLINE "User is offline"', async (onA) => {
  const alice = await onA.connect(onA.id('alice'));
  assertErrorAck(await ack(alice, 'callUser', { to: onA.id('nobody'), signalData: offer(300), callType: 'voice' }),
    'USER_OFFLINE', 'User is offline');
});

t('busy across nodes: a callee in a call on the other node → callRejected busy; a caller in a call → BUSY', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  const carol = await onA.connect(onA.id('carol'));
  await connectCall(carol, bob.userId, [bob]); // carol (A) ↔ bob (B)
  const resp = await ack(alice, 'callUser', { to: bob.userId, signalData: offer(300), callType: 'voice' });
  assertErrorAck(resp, 'BUSY');
  assert.deepEqual(await once(alice, 'callRejected'), { from: bob.userId, reason: 'busy' });
  await noEvent(bob, 'incomingCall');
  assertErrorAck(await ack(bob, 'callUser', { to: alice.userId, signalData: offer(300), callType: 'voice' }), 'BUSY');
  await noEvent(alice, 'incomingCall', 0);
  await hangup(carol, bob);
  await assertCanCall(alice, bob.userId, [bob]);
});

t('multi-device across nodes: every device rings, the first answer wins, the others get answered-elsewhere', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bobId = onB.id('bob');
  const bobOnA = await onA.connect(bobId);
  const bobOnB = await onB.connect(bobId);
  const { callId } = await ring(alice, bobId, [bobOnA, bobOnB]);
  await accept(alice, bobOnB, callId);
  assert.deepEqual(await once(bobOnA, 'callEnded'), { from: alice.userId, reason: 'answered-elsewhere' });
  assert.equal((await ack(bobOnA, 'answerCall', { to: alice.userId, signalData: answer(200) })).error.code, 'NOT_IN_CALL');
  await hangup(alice, bobOnB);
  await noEvent(bobOnA, 'callEnded', 0);
  // the caller cancels: every ringing device on both nodes hears it
  await ring(alice, bobId, [bobOnA, bobOnB]);
  assert.deepEqual(await ack(alice, 'endCall', { to: bobId }), { ok: true });
  for (const s of [bobOnA, bobOnB]) assert.deepEqual(await once(s, 'callEnded'), { from: alice.userId, reason: 'hangup' });
});

t('ring timeout across nodes: caller and callee get callEnded no-answer', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  await ring(alice, bob.userId, [bob]);
  const bound = RING_MS + 2000;
  assert.deepEqual(await once(alice, 'callEnded', bound), { from: bob.userId, reason: 'no-answer' });
  assert.deepEqual(await once(bob, 'callEnded', bound), { from: alice.userId, reason: 'no-answer' });
  await assertCanCall(alice, bob.userId, [bob]);
});

t('disconnect cleanup across nodes: the other party gets callEnded disconnected, in every state', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  let bob = await onB.connect(onB.id('bob'));
  await connectCall(alice, bob.userId, [bob]); // connected: the callee goes
  await onB.disconnect(bob);
  assert.deepEqual(await once(alice, 'callEnded'), { from: bob.userId, reason: 'disconnected' });
  bob = await onB.connect(bob.userId);
  await ring(alice, bob.userId, [bob]); // ringing: the caller goes
  await onA.disconnect(alice);
  assert.deepEqual(await once(bob, 'callEnded'), { from: alice.userId, reason: 'disconnected' });
  const alice2 = await onA.connect(alice.userId);
  await assertCanCall(alice2, bob.userId, [bob]);
});

t('iceCandidate across nodes only between the parties of a live call', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  const mallory = await onB.connect(onB.id('mallory'));
  assert.equal((await ack(alice, 'iceCandidate', { to: bob.userId, candidate: candidate(1) })).error.code, 'NOT_IN_CALL');
  await ring(alice, bob.userId, [bob]);
  // trickle while ringing, both ways
  assert.deepEqual(await ack(alice, 'iceCandidate', { to: bob.userId, candidate: candidate(2) }), { ok: true });
  assert.deepEqual(await once(bob, 'iceCandidate'), { from: alice.userId, candidate: candidate(2) });
  assert.deepEqual(await ack(bob, 'iceCandidate', { to: alice.userId, candidate: candidate(3) }), { ok: true });
  assert.deepEqual(await once(alice, 'iceCandidate'), { from: bob.userId, candidate: candidate(3) });
  assert.equal((await ack(mallory, 'iceCandidate', { to: alice.userId, candidate: candidate(4) })).error.code, 'NOT_IN_CALL');
  await noEvent(alice, 'iceCandidate');
  assert.deepEqual(await ack(alice, 'endCall', { to: bob.userId }), { ok: true });
});

t('events keep their order across nodes: incomingCall first, then the candidates as sent', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));
  const bob = await onB.connect(onB.id('bob'));
  const order = [];
  bob.onAny((ev, payload) => { if (ev === 'incomingCall' || ev === 'iceCandidate') order.push(ev === 'incomingCall' ? 'call' : payload.candidate.candidate.split(' ')[0]); });
  alice.emit('callUser', { to: bob.userId, signalData: offer(500), callType: 'voice' });
  for (let i = 1; i <= 10; i += 1) alice.emit('iceCandidate', { to: bob.userId, candidate: candidate(i) });
  const expected = ['call', ...Array.from({ length: 10 }, (_, i) => `candidate:${i + 1}`)];
  const t0 = Date.now();
  while (order.length < expected.length && Date.now() - t0 < 3000) await sleep(20);
  assert.deepEqual(order, expected);
});

t('a SIGKILLed node leaves no ghosts: its users go offline and their calls end within node-ttl + heartbeat-interval', async (onA, onB) => {
  const alice = await onA.connect(onA.id('alice'));     // connected call with bob on B
  const bob = await onB.connect(onB.id('bob'));
  const carol = await onA.connect(onA.id('carol'));     // rings dave on B
  const dave = await onB.connect(onB.id('dave'));
  const erin = await onB.connect(onB.id('erin'));       // rings frank on A
  const frank = await onA.connect(onA.id('frank'));
  const grace = await onB.connect(onB.id('grace'));     // merely online on B
  await connectCall(alice, bob.userId, [bob]);
  await ring(carol, dave.userId, [dave]);
  await ring(erin, frank.userId, [frank]);
  await waitPresence(alice, grace.userId, true);

  const killedAt = Date.now();
  process.kill(nodeB.pid, 'SIGKILL');
  const bound = CLEANUP_BOUND_MS + 1500; // + delivery and the JVM's death
  const [toAlice, toCarol, toFrank] = await Promise.all([
    once(alice, 'callEnded', bound), once(carol, 'callEnded', bound), once(frank, 'callEnded', bound),
  ]);
  assert.deepEqual(toAlice, { from: bob.userId, reason: 'disconnected' });
  assert.deepEqual(toCarol, { from: dave.userId, reason: 'disconnected' });
  assert.deepEqual(toFrank, { from: erin.userId, reason: 'disconnected' });
  const resp = await ack(alice, 'checkOnline', { userIds: [bob.userId, dave.userId, erin.userId, grace.userId, frank.userId] });
  assert.deepEqual(resp.online, { [bob.userId]: false, [dave.userId]: false, [erin.userId]: false, [grace.userId]: false, [frank.userId]: true });
  const elapsed = Date.now() - killedAt;
  assert.ok(elapsed <= bound, `cleared after ${elapsed} ms, bound ${bound} ms`);
  // nothing stale: the survivors can call each other, and nobody is busy
  await assertCanCall(alice, carol.userId, [carol]);
  assertErrorAck(await ack(frank, 'callUser', { to: bob.userId, signalData: offer(300), callType: 'voice' }), 'USER_OFFLINE', 'User is offline');
});

t('a node stopped with SIGTERM ends its calls at once, telling both parties, not at the TTL', async (onA) => {
  const nodeC = await startNode({ ringTimeout: `${RING_MS}ms`, props: clusterProps });
  const onC = new Scope(nodeC);
  try {
    const alice = await onA.connect(onA.id('alice'));
    const bob = await onC.connect(onC.id('bob'));
    await connectCall(alice, bob.userId, [bob]);
    const stoppedAt = Date.now();
    const stopping = nodeC.stop({ graceMs: 10000 });
    assert.deepEqual(await once(alice, 'callEnded', NODE_TTL_MS), { from: bob.userId, reason: 'disconnected' });
    assert.deepEqual(await once(bob, 'callEnded', 1000), { from: alice.userId, reason: 'disconnected' }, 'told before its socket closed');
    assert.ok(Date.now() - stoppedAt < NODE_TTL_MS, 'ended by the drain, not by the heartbeat running out');
    await stopping;
    assert.deepEqual(nodeC.exited.code, 0, `drained and exited 0: ${JSON.stringify(nodeC.exited)}`);
    await waitPresence(alice, bob.userId, false, 1000);
  } finally {
    await onC.close();
    await nodeC.stop();
  }
});

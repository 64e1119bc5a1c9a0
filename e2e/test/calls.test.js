'use strict';
// Call sessions: the seed flow, reject, busy, offline, multi-device, ring timeout,
// disconnect cleanup, iceCandidate, checkOnline. One server, ring timeout 2 s.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startServer, scenario, once, noEvent, noEventOn, ack, offer, answer, candidate, sdp,
  assertErrorAck, assertErrorEvent, sleep, drain, waitPresence,
  TEST_TIMEOUT,
} = require('../harness');
const { ring, accept, connectCall, hangup, assertCanCall, assertIncoming } = require('../flows');

const RING_MS = 2000;
let srv;
before(async () => { srv = await startServer({ ringTimeout: '2s' }); });
after(async () => { if (srv) await srv.stop(); });
const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

/** two users, one socket each */
async function pair(h, opts = {}) {
  const a = await h.connect(h.id('alice'), opts);
  const b = await h.connect(h.id('bob'), opts);
  return [a, b];
}

// ---------------------------------------------------------------- seed flow

t('seed flow without acks: callUser → incomingCall → answerCall → callAccepted → endCall → callEnded', async (h) => {
  const [a, b] = await pair(h);
  const signalData = offer(4096);
  a.emit('callUser', { to: b.userId, signalData, callType: 'video' });
  const inc = await once(b, 'incomingCall');
  assertIncoming(inc, { from: a.userId, signalData, callType: 'video', calleeId: b.userId });
  assert.equal(typeof inc.callId, 'string');
  assert.equal(inc.signalData.sdp, signalData.sdp, '~4 KB SDP must arrive byte for byte');
  const ans = answer(4096);
  b.emit('answerCall', { to: inc.from, signalData: ans });
  const acc = await once(a, 'callAccepted');
  assert.deepEqual(acc, ans, 'callAccepted carries the answer object itself');
  assert.equal(acc.sdp, ans.sdp, 'answer SDP byte for byte');
  a.emit('endCall', { to: b.userId });
  assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'hangup' });
  await noEventOn([a, b], 'error', 200);
});

t('seed flow with acks: {ok, callId} on callUser and answerCall, {ok} on endCall', async (h) => {
  const [a, b] = await pair(h);
  const { callId, incomings } = await ring(a, b.userId, [b], { callType: 'voice' });
  assert.equal(incomings[0].callId, callId);
  await accept(a, b, callId);
  await hangup(b, a); // callee hangs up this time
  const second = await ring(b, a.userId, [a], { callType: 'video' });
  assert.notEqual(second.callId, callId, 'every call gets its own callId');
  await accept(b, a, second.callId);
  await hangup(a, b);
  await noEventOn([a, b], 'error', 0);
});

t('signalData of any JSON shape is relayed unchanged (nested, unicode, numbers, booleans, null in lists)', async (h) => {
  const [a, b] = await pair(h);
  const signalData = {
    type: 'offer', sdp: sdp('offer', 4096), nested: { list: [1, 2.5, -3, true, false, null, 'x'], deep: { 'key with space': 'ü€☎😀\u2028\u0000\n\t"\\', '😀': '\u2029' } },
    big: 12345678901, neg: -0.125, empty: {}, emptyList: [], str: '',
  };
  const { callId } = await ring(a, b.userId, [b], { signalData });
  const ans = { type: 'answer', sdp: sdp('answer', 4096), renegotiate: false, extra: [{ a: 1 }] };
  await accept(a, b, callId, { signalData: ans });
  await hangup(a, b);
});

t('null-valued fields in signalData and candidates are relayed, not dropped', async (h) => {
  const [a, b] = await pair(h);
  const signalData = { type: 'offer', sdp: sdp('offer', 1024), nothing: null, inner: { sdpMid: null, n: 0 } };
  const { callId } = await ring(a, b.userId, [b], { signalData });
  const ans = { type: 'answer', sdp: sdp('answer', 1024), extra: null };
  await accept(a, b, callId, { signalData: ans });
  // RTCIceCandidate.toJSON() may carry null fields (sdpMid, usernameFragment)
  const withNulls = { candidate: candidate(10).candidate, sdpMid: null, sdpMLineIndex: 0, usernameFragment: null };
  assert.deepEqual(await ack(b, 'iceCandidate', { to: a.userId, candidate: withNulls }), { ok: true });
  assert.deepEqual(await once(a, 'iceCandidate'), { from: b.userId, candidate: withNulls }, 'candidate relayed unchanged, null fields included');
  await hangup(a, b);
});

t('rejectCall → caller gets callRejected {from, reason:"declined"}; both can call again', async (h) => {
  const [a, b] = await pair(h);
  await ring(a, b.userId, [b]);
  assert.deepEqual(await ack(b, 'rejectCall', { to: a.userId }), { ok: true });
  assert.deepEqual(await once(a, 'callRejected'), { from: b.userId, reason: 'declined' });
  await noEvent(a, 'callEnded', 0);
  await assertCanCall(a, b.userId, [b]);
  await assertCanCall(b, a.userId, [a]);
});

t('rejectCall without ack works the same', async (h) => {
  const [a, b] = await pair(h);
  await ring(a, b.userId, [b]);
  b.emit('rejectCall', { to: a.userId });
  assert.deepEqual(await once(a, 'callRejected'), { from: b.userId, reason: 'declined' });
  await noEventOn([a, b], 'error', 200);
});

t('endCall by the caller while ringing cancels: every ringing socket gets callEnded hangup', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await ring(a, bId, [b1, b2]);
  assert.deepEqual(await ack(a, 'endCall', { to: bId }), { ok: true });
  for (const s of [b1, b2]) assert.deepEqual(await once(s, 'callEnded'), { from: a.userId, reason: 'hangup' });
  await noEvent(a, 'callEnded', 200);
  assertErrorAck(await ack(b1, 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  await assertCanCall(a, bId, [b1, b2]);
});

t('endCall by a ringing callee socket acts like rejectCall', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await ring(a, bId, [b1, b2]);
  assert.deepEqual(await ack(b2, 'endCall', { to: a.userId }), { ok: true });
  assert.deepEqual(await once(a, 'callRejected'), { from: bId, reason: 'declined' });
  assert.deepEqual(await once(b1, 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  await assertCanCall(a, bId, [b1, b2]);
});

t('after endCall the call is gone: a second endCall is NOT_IN_CALL', async (h) => {
  const [a, b] = await pair(h);
  const { callId } = await ring(a, b.userId, [b]);
  await accept(a, b, callId);
  await hangup(a, b);
  assertErrorAck(await ack(a, 'endCall', { to: b.userId }), 'NOT_IN_CALL');
  assertErrorAck(await ack(b, 'endCall', { to: a.userId }), 'NOT_IN_CALL');
  await noEvent(b, 'callEnded', 200);
});

// ---------------------------------------------------------------- offline

t('callUser to an offline user without ack → error event {message:"User is offline", code:"USER_OFFLINE"}', async (h) => {
  const a = await h.connect(h.id('alice'));
  a.emit('callUser', { to: h.id('nobody'), signalData: offer(500), callType: 'voice' });
  const ev = await once(a, 'error');
  assert.deepEqual(ev, { message: 'User is offline', code: 'USER_OFFLINE' });
  await noEvent(a, 'callRejected', 0);
});

t('callUser to an offline user with ack → {ok:false, error:{code:"USER_OFFLINE", message:"User is offline"}}, no error event', async (h) => {
  const a = await h.connect(h.id('alice'));
  const resp = await ack(a, 'callUser', { to: h.id('nobody'), signalData: offer(500), callType: 'video' });
  assert.deepEqual(resp, { ok: false, error: { code: 'USER_OFFLINE', message: 'User is offline' } });
  await noEvent(a, 'error', 300);
  // the caller is not left "in a call" with the offline user
  const b = await h.connect(h.id('bob'));
  await assertCanCall(a, b.userId, [b]);
});

t('a user whose sockets all disconnected is offline again', async (h) => {
  const [a, b] = await pair(h);
  await h.disconnect(b);
  await waitPresence(a, b.userId, false);
  assertErrorAck(await ack(a, 'callUser', { to: b.userId, signalData: offer(500), callType: 'voice' }), 'USER_OFFLINE', 'User is offline');
});

// ---------------------------------------------------------------- busy

t('busy callee (ringing) → callRejected busy + BUSY ack, no incomingCall to the busy callee', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await ring(a, b.userId, [b]);
  const resp = await ack(c, 'callUser', { to: b.userId, signalData: offer(500), callType: 'voice' });
  assertErrorAck(resp, 'BUSY');
  assert.deepEqual(await once(c, 'callRejected'), { from: b.userId, reason: 'busy' });
  await noEvent(b, 'incomingCall', 300);
  // the original call is untouched
  b.emit('answerCall', { to: a.userId, signalData: answer(300) });
  await once(a, 'callAccepted');
  await hangup(a, b);
  await assertCanCall(c, b.userId, [b]);
});

t('busy callee (connected, as callee and as caller) → callRejected busy', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await connectCall(a, b.userId, [b]);
  // b is in a connected call as callee
  c.emit('callUser', { to: b.userId, signalData: offer(500), callType: 'voice' });
  assert.deepEqual(await once(c, 'callRejected'), { from: b.userId, reason: 'busy' });
  // no ack asked: callRejected busy is the answer, no error event on top of it
  await noEvent(c, 'error', 300);
  // a is in a connected call as caller
  assertErrorAck(await ack(c, 'callUser', { to: a.userId, signalData: offer(500), callType: 'video' }), 'BUSY');
  assert.deepEqual(await once(c, 'callRejected'), { from: a.userId, reason: 'busy' });
  await noEventOn([a, b], 'incomingCall', 200);
  await hangup(b, a);
  await assertCanCall(c, a.userId, [a]);
});

t('busy callee who is ringing someone else as caller → callRejected busy', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await ring(b, a.userId, [a]); // b is calling a
  assertErrorAck(await ack(c, 'callUser', { to: b.userId, signalData: offer(500), callType: 'voice' }), 'BUSY');
  assert.deepEqual(await once(c, 'callRejected'), { from: b.userId, reason: 'busy' });
  await noEvent(b, 'incomingCall', 200);
});

t('caller already in a call → BUSY (ack), callee not rung', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await connectCall(a, b.userId, [b]);
  assertErrorAck(await ack(a, 'callUser', { to: c.userId, signalData: offer(500), callType: 'voice' }), 'BUSY');
  await noEvent(c, 'incomingCall', 300);
  await noEvent(a, 'callRejected', 0);
  // the same for the callee side of that call
  assertErrorAck(await ack(b, 'callUser', { to: c.userId, signalData: offer(500), callType: 'voice' }), 'BUSY');
  await noEvent(c, 'incomingCall', 300);
  // the running call is not disturbed
  a.emit('iceCandidate', { to: b.userId, candidate: candidate(1) });
  assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: candidate(1) });
  await hangup(a, b);
  await assertCanCall(a, c.userId, [c]);
});

t('caller ringing someone → a second callUser is BUSY; without ack an error event {code:"BUSY"}', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await ring(a, b.userId, [b]);
  a.emit('callUser', { to: c.userId, signalData: offer(500), callType: 'voice' });
  assertErrorEvent(await once(a, 'error'), 'BUSY');
  await noEvent(c, 'incomingCall', 300);
  await noEvent(a, 'callRejected', 0);
});

t('caller who calls the same user twice → BUSY, the first call still works', async (h) => {
  const [a, b] = await pair(h);
  const { callId } = await ring(a, b.userId, [b]);
  assertErrorAck(await ack(a, 'callUser', { to: b.userId, signalData: offer(500), callType: 'voice' }), 'BUSY');
  await noEvent(b, 'incomingCall', 200);
  await accept(a, b, callId);
  await hangup(a, b);
});

t('two users calling each other at once: exactly one call wins, the other is BUSY', async (h) => {
  const [a, b] = await pair(h);
  const [ra, rb] = await Promise.all([
    ack(a, 'callUser', { to: b.userId, signalData: offer(500), callType: 'voice' }),
    ack(b, 'callUser', { to: a.userId, signalData: offer(500), callType: 'voice' }),
  ]);
  assert.equal([ra, rb].filter((r) => r && r.ok === true).length, 1, `exactly one of two crossing calls succeeds: ${JSON.stringify([ra, rb])}`);
  const [winner, loser, loserResp] = ra.ok === true ? [a, b, rb] : [b, a, ra];
  assertErrorAck(loserResp, 'BUSY');
  const inc = await once(loser, 'incomingCall');
  assert.equal(inc.from, winner.userId);
  await noEvent(winner, 'incomingCall', 200);
  drain(loser, 'callRejected'); // the loser may also be told its callee is busy
  await hangup(winner, loser);
  await assertCanCall(a, b.userId, [b]);
  await assertCanCall(b, a.userId, [a]);
});

// ---------------------------------------------------------------- multi-device

t('multi-device: 3 sockets ring, first answer wins, others get answered-elsewhere, a late answer gets NOT_IN_CALL', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const bs = [await h.connect(bId), await h.connect(bId), await h.connect(bId)];
  const { callId, incomings } = await ring(a, bId, bs);
  assert.ok(incomings.every((i) => i.callId === callId), 'all devices ring the same callId');
  await accept(a, bs[1], callId);
  assert.deepEqual(await once(bs[0], 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  assert.deepEqual(await once(bs[2], 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  await noEvent(bs[1], 'callEnded', 200);
  assertErrorAck(await ack(bs[0], 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  bs[2].emit('answerCall', { to: a.userId, signalData: answer(200) });
  assertErrorEvent(await once(bs[2], 'error'), 'NOT_IN_CALL');
  await noEvent(a, 'callAccepted', 200);
  // the call runs between a and bs[1] only
  a.emit('iceCandidate', { to: bId, candidate: candidate(7) });
  assert.deepEqual(await once(bs[1], 'iceCandidate'), { from: a.userId, candidate: candidate(7) });
  await noEventOn([bs[0], bs[2]], 'iceCandidate', 200);
  await hangup(bs[1], a);
  await noEventOn([bs[0], bs[2]], 'callEnded', 200);
  await assertCanCall(a, bId, bs);
});

t('multi-device: simultaneous answers from all devices → exactly one wins', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const bs = [await h.connect(bId), await h.connect(bId), await h.connect(bId)];
  const { callId } = await ring(a, bId, bs);
  const answers = bs.map((_, i) => ({ type: 'answer', sdp: `device-${i}` }));
  const resps = await Promise.all(bs.map((s, i) => ack(s, 'answerCall', { to: a.userId, signalData: answers[i] })));
  const winners = resps.map((r, i) => (r.ok === true ? i : -1)).filter((i) => i >= 0);
  assert.equal(winners.length, 1, `exactly one answer wins: ${JSON.stringify(resps)}`);
  const w = winners[0];
  assert.deepEqual(resps[w], { ok: true, callId });
  resps.forEach((r, i) => { if (i !== w) assertErrorAck(r, 'NOT_IN_CALL'); });
  assert.deepEqual(await once(a, 'callAccepted'), answers[w]);
  await noEvent(a, 'callAccepted', 300);
  for (let i = 0; i < bs.length; i += 1) {
    if (i !== w) assert.deepEqual(await once(bs[i], 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  }
  await hangup(a, bs[w]);
});

t('multi-device: reject from one device → caller declined, other devices answered-elsewhere', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const bs = [await h.connect(bId), await h.connect(bId)];
  await ring(a, bId, bs);
  assert.deepEqual(await ack(bs[1], 'rejectCall', { to: a.userId }), { ok: true });
  assert.deepEqual(await once(a, 'callRejected'), { from: bId, reason: 'declined' });
  assert.deepEqual(await once(bs[0], 'callEnded'), { from: a.userId, reason: 'answered-elsewhere' });
  assertErrorAck(await ack(bs[0], 'rejectCall', { to: a.userId }), 'NOT_IN_CALL');
  await noEvent(a, 'callRejected', 200);
  await assertCanCall(a, bId, bs);
});

t('multi-device caller: callAccepted goes to the calling socket only; the caller\'s other socket is not in the call', async (h) => {
  const aId = h.id('alice');
  const a1 = await h.connect(aId);
  const a2 = await h.connect(aId);
  const b = await h.connect(h.id('bob'));
  const { callId } = await ring(a1, b.userId, [b]);
  await noEvent(a2, 'incomingCall', 0);
  await accept(a1, b, callId);
  await noEvent(a2, 'callAccepted', 200);
  assertErrorAck(await ack(a2, 'iceCandidate', { to: b.userId, candidate: candidate(2) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(a2, 'endCall', { to: b.userId }), 'NOT_IN_CALL');
  await noEventOn([b], 'iceCandidate', 200);
  await noEvent(b, 'callEnded', 0);
  b.emit('iceCandidate', { to: aId, candidate: candidate(3) });
  assert.deepEqual(await once(a1, 'iceCandidate'), { from: b.userId, candidate: candidate(3) });
  await noEvent(a2, 'iceCandidate', 200);
  await hangup(b, a1);
  await noEvent(a2, 'callEnded', 200);
});

// ---------------------------------------------------------------- ring timeout

t('ring timeout → caller and every ringing socket get callEnded no-answer', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const bs = [await h.connect(bId), await h.connect(bId)];
  const t0 = Date.now();
  await ring(a, bId, bs);
  const wait = RING_MS + 3000;
  assert.deepEqual(await once(a, 'callEnded', wait), { from: bId, reason: 'no-answer' });
  for (const s of bs) assert.deepEqual(await once(s, 'callEnded', wait), { from: a.userId, reason: 'no-answer' });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= RING_MS - 250, `no-answer came after ${elapsed} ms, ring timeout is ${RING_MS} ms`);
  assertErrorAck(await ack(bs[0], 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  await noEvent(a, 'callAccepted', 100);
  await assertCanCall(a, bId, bs);
  await assertCanCall(bs[0], a.userId, [a]);
});

t('an answered call is not ended by the ring timeout', async (h) => {
  const [a, b] = await pair(h);
  const { callId } = await ring(a, b.userId, [b]);
  await accept(a, b, callId);
  await noEventOn([a, b], 'callEnded', RING_MS + 700);
  b.emit('iceCandidate', { to: a.userId, candidate: candidate(4) });
  assert.deepEqual(await once(a, 'iceCandidate'), { from: b.userId, candidate: candidate(4) });
  await hangup(a, b);
});

// ---------------------------------------------------------------- disconnect

t('caller disconnects mid-call → callee gets callEnded disconnected; both can call again', async (h) => {
  const [a, b] = await pair(h);
  await connectCall(a, b.userId, [b]);
  await h.disconnect(a);
  assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'disconnected' });
  const a2 = await h.connect(a.userId);
  await assertCanCall(a2, b.userId, [b]);
  await assertCanCall(b, a.userId, [a2]);
});

t('a party whose TCP connection dies (no DISCONNECT packet) is noticed: the other gets callEnded disconnected', async (h) => {
  const WS = { transports: ['websocket'] };
  const a = await h.connect(h.id('alice'), WS);
  const b = await h.connect(h.id('bob'), WS);
  await connectCall(a, b.userId, [b]);
  const tcp = a.io.engine.transport.ws && a.io.engine.transport.ws._socket;
  assert.ok(tcp, 'websocket client exposes its TCP socket');
  tcp.destroy(); // like a killed app or a reset connection: no Socket.IO/Engine.IO close packet
  assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'disconnected' });
  await waitPresence(b, a.userId, false);
  const a2 = await h.connect(a.userId);
  await assertCanCall(a2, b.userId, [b]);
});

t('callee\'s only socket disconnects mid-call → caller gets callEnded disconnected', async (h) => {
  const [a, b] = await pair(h);
  await connectCall(a, b.userId, [b]);
  await h.disconnect(b);
  assert.deepEqual(await once(a, 'callEnded'), { from: b.userId, reason: 'disconnected' });
  const b2 = await h.connect(b.userId);
  await assertCanCall(a, b.userId, [b2]);
  await assertCanCall(b2, a.userId, [a]);
});

t('answering socket disconnects while the callee has another socket → caller gets disconnected', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await connectCall(a, bId, [b1, b2], 1); // b2 answers, b1 gets answered-elsewhere
  await h.disconnect(b2);
  assert.deepEqual(await once(a, 'callEnded'), { from: bId, reason: 'disconnected' });
  await noEvent(b1, 'callEnded', 200);
  await assertCanCall(a, bId, [b1]);
});

t('a callee socket that is not in the call disconnecting does not end the call', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await connectCall(a, bId, [b1, b2], 0);
  await h.disconnect(b2);
  await noEvent(a, 'callEnded', 300);
  await hangup(a, b1);
});

t('ringing on 2 devices: one disconnects → no callEnded yet; the last one → caller gets disconnected', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await ring(a, bId, [b1, b2]);
  await h.disconnect(b1);
  await noEvent(a, 'callEnded', 300);
  await noEvent(b2, 'callEnded', 0);
  await h.disconnect(b2);
  assert.deepEqual(await once(a, 'callEnded'), { from: bId, reason: 'disconnected' });
  const b3 = await h.connect(bId);
  await assertCanCall(a, bId, [b3]);
  await assertCanCall(b3, a.userId, [a]);
});

t('ringing on 2 devices: one disconnects, the other still answers', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  const { callId } = await ring(a, bId, [b1, b2]);
  await h.disconnect(b1);
  await sleep(150);
  await accept(a, b2, callId);
  await hangup(b2, a);
});

t('caller disconnects while ringing → every ringing socket gets callEnded disconnected', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  await ring(a, bId, [b1, b2]);
  await h.disconnect(a);
  for (const s of [b1, b2]) assert.deepEqual(await once(s, 'callEnded'), { from: a.userId, reason: 'disconnected' });
  const a2 = await h.connect(a.userId);
  await assertCanCall(a2, bId, [b1, b2]);
});

t('caller\'s other socket disconnecting does not end the call', async (h) => {
  const aId = h.id('alice');
  const a1 = await h.connect(aId);
  const a2 = await h.connect(aId);
  const b = await h.connect(h.id('bob'));
  await connectCall(a1, b.userId, [b]);
  await h.disconnect(a2);
  await noEvent(b, 'callEnded', 300);
  await hangup(b, a1);
});

t('no call is left behind after a busy rejection and a disconnect storm', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await ring(a, b.userId, [b]);
  assertErrorAck(await ack(c, 'callUser', { to: b.userId, signalData: offer(200), callType: 'voice' }), 'BUSY');
  await once(c, 'callRejected');
  await h.disconnect(a);
  assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'disconnected' });
  await assertCanCall(c, b.userId, [b]);
  const a2 = await h.connect(a.userId);
  await assertCanCall(a2, c.userId, [c]);
});

t('concurrent churn: 12 pairs end their calls in every way at once, then everyone can call again', async (h) => {
  const N = 12;
  const pairs = [];
  for (let i = 0; i < N; i += 1) pairs.push(await pair(h));
  const endings = ['hangup-caller', 'hangup-callee', 'reject', 'cancel', 'caller-drops', 'callee-drops'];
  await Promise.all(pairs.map(async ([a, b], i) => {
    const how = endings[i % endings.length];
    const { callId } = await ring(a, b.userId, [b]);
    if (how === 'reject') {
      b.emit('rejectCall', { to: a.userId });
      assert.deepEqual(await once(a, 'callRejected'), { from: b.userId, reason: 'declined' });
      return;
    }
    if (how === 'cancel') {
      a.emit('endCall', { to: b.userId });
      assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'hangup' });
      return;
    }
    await accept(a, b, callId);
    a.emit('iceCandidate', { to: b.userId, candidate: candidate(i) });
    assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: candidate(i) });
    if (how === 'hangup-caller') await hangup(a, b);
    else if (how === 'hangup-callee') await hangup(b, a);
    else if (how === 'caller-drops') {
      await h.disconnect(a);
      assert.deepEqual(await once(b, 'callEnded'), { from: a.userId, reason: 'disconnected' });
    } else {
      await h.disconnect(b);
      assert.deepEqual(await once(a, 'callEnded'), { from: b.userId, reason: 'disconnected' });
    }
  }));
  // reconnect whoever dropped, then call across pairs (a_i → b_{i+1}) and back: no stale BUSY
  const fresh = await Promise.all(pairs.map(async ([a, b]) => [
    a.connected ? a : await h.connect(a.userId), b.connected ? b : await h.connect(b.userId),
  ]));
  for (let i = 0; i < N; i += 1) {
    const [a] = fresh[i];
    const [, b] = fresh[(i + 1) % N];
    await assertCanCall(a, b.userId, [b]);
  }
  await Promise.all(fresh.map(([a, b]) => assertCanCall(b, a.userId, [a])));
});

// ---------------------------------------------------------------- iceCandidate

t('iceCandidate while ringing: caller → every ringing socket; ringing socket → caller', async (h) => {
  const a = await h.connect(h.id('alice'));
  const bId = h.id('bob');
  const b1 = await h.connect(bId);
  const b2 = await h.connect(bId);
  const { callId } = await ring(a, bId, [b1, b2]);
  assert.deepEqual(await ack(a, 'iceCandidate', { to: bId, candidate: candidate(1) }), { ok: true });
  for (const s of [b1, b2]) assert.deepEqual(await once(s, 'iceCandidate'), { from: a.userId, candidate: candidate(1) });
  assert.deepEqual(await ack(b2, 'iceCandidate', { to: a.userId, candidate: candidate(2) }), { ok: true });
  assert.deepEqual(await once(a, 'iceCandidate'), { from: bId, candidate: candidate(2) });
  await noEvent(b1, 'iceCandidate', 200);
  await accept(a, b2, callId);
  await hangup(a, b2);
});

t('iceCandidate while connected flows both ways, with and without ack', async (h) => {
  const [a, b] = await pair(h);
  await connectCall(a, b.userId, [b]);
  const c1 = { candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sK4x network-cost 999', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'sK4x' };
  a.emit('iceCandidate', { to: b.userId, candidate: c1 });
  assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: c1 });
  assert.deepEqual(await ack(b, 'iceCandidate', { to: a.userId, candidate: candidate(9) }), { ok: true });
  assert.deepEqual(await once(a, 'iceCandidate'), { from: b.userId, candidate: candidate(9) });
  // end-of-candidates (null-ish candidate objects are relayed too)
  const eoc = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };

  assert.deepEqual(await ack(a, 'iceCandidate', { to: b.userId, candidate: eoc }), { ok: true });
  assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: eoc });
  await noEventOn([a, b], 'error', 100);
  await hangup(a, b);
});

t('iceCandidate to a non-party → NOT_IN_CALL, nothing delivered', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  await connectCall(a, b.userId, [b]);
  assertErrorAck(await ack(a, 'iceCandidate', { to: c.userId, candidate: candidate(1) }), 'NOT_IN_CALL');
  a.emit('iceCandidate', { to: c.userId, candidate: candidate(1) });
  assertErrorEvent(await once(a, 'error'), 'NOT_IN_CALL');
  await noEvent(c, 'iceCandidate', 300);
  // and with no call at all
  assertErrorAck(await ack(c, 'iceCandidate', { to: a.userId, candidate: candidate(1) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'iceCandidate', { to: h.id('nobody'), candidate: candidate(1) }), 'NOT_IN_CALL');
  await hangup(a, b);
});

t('a third user cannot inject into a call: iceCandidate, answerCall, rejectCall, endCall → NOT_IN_CALL', async (h) => {
  const [a, b] = await pair(h);
  const c = await h.connect(h.id('carol'));
  const { callId } = await ring(a, b.userId, [b]);
  // while ringing
  assertErrorAck(await ack(c, 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'rejectCall', { to: a.userId }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'endCall', { to: a.userId }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'endCall', { to: b.userId }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'iceCandidate', { to: a.userId, candidate: candidate(5) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'iceCandidate', { to: b.userId, candidate: candidate(5) }), 'NOT_IN_CALL');
  await noEventOn([a, b], 'callAccepted', 200);
  for (const s of [a, b]) for (const ev of ['callEnded', 'callRejected', 'iceCandidate']) await noEvent(s, ev, 0);
  await accept(a, b, callId);
  // while connected
  assertErrorAck(await ack(c, 'iceCandidate', { to: a.userId, candidate: candidate(6) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'endCall', { to: b.userId }), 'NOT_IN_CALL');
  assertErrorAck(await ack(c, 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  c.emit('iceCandidate', { to: b.userId, candidate: candidate(6) });
  assertErrorEvent(await once(c, 'error'), 'NOT_IN_CALL');
  await noEventOn([a, b], 'iceCandidate', 200);
  for (const s of [a, b]) for (const ev of ['callEnded', 'callAccepted']) await noEvent(s, ev, 0);
  // the callee cannot answer its own caller twice, nor can the caller answer
  assertErrorAck(await ack(b, 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(a, 'answerCall', { to: b.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  await hangup(a, b);
});

t('answerCall / rejectCall with no call at all → NOT_IN_CALL (ack and error event)', async (h) => {
  const [a, b] = await pair(h);
  assertErrorAck(await ack(b, 'answerCall', { to: a.userId, signalData: answer(200) }), 'NOT_IN_CALL');
  assertErrorAck(await ack(b, 'rejectCall', { to: a.userId }), 'NOT_IN_CALL');
  b.emit('rejectCall', { to: a.userId });
  assertErrorEvent(await once(b, 'error'), 'NOT_IN_CALL');
  b.emit('answerCall', { to: a.userId, signalData: answer(200) });
  assertErrorEvent(await once(b, 'error'), 'NOT_IN_CALL');
  await noEventOn([a], 'callAccepted', 200);
  await noEvent(a, 'callRejected', 0);
  await assertCanCall(a, b.userId, [b]);
});

// ---------------------------------------------------------------- checkOnline

t('checkOnline → {ok:true, online:{id:true|false}}, follows connects and disconnects', async (h) => {
  const [a, b] = await pair(h);
  const off = h.id('offline');
  assert.deepEqual(await ack(a, 'checkOnline', { userIds: [a.userId, b.userId, off] }),
    { ok: true, online: { [a.userId]: true, [b.userId]: true, [off]: false } });
  assert.deepEqual(await ack(a, 'checkOnline', { userIds: [] }), { ok: true, online: {} });
  const b2 = await h.connect(b.userId);
  await h.disconnect(b);
  await sleep(300);
  assert.deepEqual(await ack(a, 'checkOnline', { userIds: [b.userId] }), { ok: true, online: { [b.userId]: true } }, 'one of two sockets left: still online');
  await h.disconnect(b2);
  await waitPresence(a, b.userId, false);
});

'use strict';
// Call-flow building blocks shared by the test files (kept outside test/ so that
// `node --test test/` does not run it as a test file).
const assert = require('node:assert/strict');
const { once, ack, noEvent, offer, answer, turnCredential } = require('./harness');

/**
 * caller calls calleeId (with ack); every socket in ringing gets incomingCall.
 * Checks the ack and the exact incomingCall payload. Returns { callId, incomings, signalData }.
 */
async function ring(caller, calleeId, ringing, { signalData = offer(), callType = 'voice' } = {}) {
  const resp = await ack(caller, 'callUser', { to: calleeId, signalData, callType });
  assert.ok(resp && resp.ok === true, `callUser ${caller.userId} → ${calleeId}: expected ok ack, got ${JSON.stringify(resp)}`);
  assert.equal(typeof resp.callId, 'string', `callUser ack needs a string callId: ${JSON.stringify(resp)}`);
  assert.ok(resp.callId.length > 0, 'callId must not be empty');
  assert.deepEqual(Object.keys(resp).sort(), ['callId', 'ok'], `callUser ack shape {ok, callId}: ${JSON.stringify(resp)}`);
  const incomings = await Promise.all(ringing.map((s) => once(s, 'incomingCall')));
  for (const inc of incomings) {
    assertIncoming(inc, { from: caller.userId, signalData, callType, callId: resp.callId, calleeId });
    const { srv } = ringing[0];
    if (srv) { // minted for the callee with the configured URLs and secret
      assert.deepEqual(inc.iceServers[0].urls, srv.turnUrls, 'incomingCall.iceServers urls as configured');
      assert.equal(inc.iceServers[0].credential, turnCredential(srv.turnSecret, inc.iceServers[0].username), 'incomingCall.iceServers credential = HMAC-SHA1(turn secret, username)');
    }
  }
  return { callId: resp.callId, incomings, signalData };
}

function assertIncoming(inc, { from, signalData, callType, callId, calleeId }) {
  assert.ok(inc && typeof inc === 'object', `incomingCall payload must be an object: ${JSON.stringify(inc)}`);
  assert.deepEqual(Object.keys(inc).sort(), ['callId', 'callType', 'from', 'iceServers', 'signalData'],
    `incomingCall has exactly {from, signalData, callType, callId, iceServers}: keys ${Object.keys(inc)}`);
  assert.equal(inc.from, from);
  assert.equal(inc.callType, callType);
  if (callId !== undefined) assert.equal(inc.callId, callId);
  assert.deepEqual(inc.signalData, signalData, 'incomingCall.signalData must be the caller\'s signalData unchanged');
  assert.ok(Array.isArray(inc.iceServers) && inc.iceServers.length >= 1, `incomingCall.iceServers must be a non-empty list: ${JSON.stringify(inc.iceServers)}`);
  for (const s of inc.iceServers) {
    assert.ok(s.urls && s.username && s.credential, `iceServers entry needs urls, username, credential: ${JSON.stringify(s)}`);
    if (calleeId !== undefined) assert.ok(s.username.endsWith(`:${calleeId}`), `incomingCall iceServers minted for the callee ${calleeId}, got username ${s.username}`);
  }
}

/** callee socket answers (with ack); caller gets callAccepted with the answer itself. */
async function accept(callerSock, answerer, callId, { signalData = answer() } = {}) {
  const resp = await ack(answerer, 'answerCall', { to: callerSock.userId, signalData });
  assert.deepEqual(resp, { ok: true, callId }, `answerCall ack must be {ok:true, callId}: ${JSON.stringify(resp)}`);
  const got = await once(callerSock, 'callAccepted');
  assert.deepEqual(got, signalData, 'callAccepted must carry the answer signalData itself');
  return signalData;
}

/** full connected call caller → callee, answered by ringing[answerIdx]. */
async function connectCall(caller, calleeId, ringing, answerIdx = 0, opts = {}) {
  const r = await ring(caller, calleeId, ringing, opts);
  await accept(caller, ringing[answerIdx], r.callId);
  const others = ringing.filter((_, i) => i !== answerIdx);
  for (const o of others) {
    assert.deepEqual(await once(o, 'callEnded'), { from: caller.userId, reason: 'answered-elsewhere' });
  }
  return r;
}

/** `by` ends the call with `other` (ack ok); other gets callEnded hangup from by. */
async function hangup(by, other) {
  const resp = await ack(by, 'endCall', { to: other.userId });
  assert.deepEqual(resp, { ok: true }, `endCall ack must be {ok:true}: ${JSON.stringify(resp)}`);
  assert.deepEqual(await once(other, 'callEnded'), { from: by.userId, reason: 'hangup' });
}

/**
 * Proves that nothing stale is left between two users: a full call caller → callee
 * (rings every socket in ringing, answered by ringing[0]) and hung up. Fails on BUSY.
 */
async function assertCanCall(caller, calleeId, ringing) {
  await connectCall(caller, calleeId, ringing, 0);
  await hangup(caller, ringing[0]);
  await noEvent(caller, 'error', 0);
}

module.exports = { ring, accept, connectCall, hangup, assertCanCall, assertIncoming };

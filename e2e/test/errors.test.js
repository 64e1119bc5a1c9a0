'use strict';
// Every error code with ack and as an `error` event, and that the connection keeps
// working after each one. Default limits on one server, calls-per-minute 3 on another.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startServer, scenario, once, noEvent, noEventOn, ack, offer, answer, candidate,
  assertErrorAck, assertErrorEvent,
  TEST_TIMEOUT,
} = require('../harness');
const { ring, accept, hangup, assertCanCall } = require('../flows');

const MAX_SIGNAL = 32768;
const MAX_CANDIDATE = 4096;
const MAX_CHECK = 200;

/** The connection still works: a request gets its normal answer. */
async function stillWorks(s) {
  const resp = await ack(s, 'checkOnline', { userIds: [s.userId] });
  assert.deepEqual(resp, { ok: true, online: { [s.userId]: true } }, 'connection must keep working after an error');
  assert.ok(s.connected, 'socket must still be connected');
}

/** signalData whose JSON is exactly n bytes (ASCII) */
function signalOfJsonBytes(n) {
  const base = { type: 'offer', sdp: '' };
  const pad = n - JSON.stringify(base).length;
  const sd = { type: 'offer', sdp: 'v'.repeat(pad) };
  assert.equal(Buffer.byteLength(JSON.stringify(sd)), n);
  return sd;
}

describe('error codes (default limits)', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { if (srv) await srv.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

  // ------------------------------------------------------------ INVALID_PAYLOAD: callUser
  const badCalls = [
    ['payload is a string', () => ['hello']],
    ['payload is a number', () => [42]],
    ['payload is a boolean', () => [true]],
    ['payload is null', () => [null]],
    ['payload is an array', (b) => [[{ to: b, signalData: offer(200), callType: 'voice' }]]],
    ['no payload at all', () => []],
    ['missing to', () => [{ signalData: offer(200), callType: 'voice' }]],
    ['to is a number', () => [{ to: 123, signalData: offer(200), callType: 'voice' }]],
    ['to is an object', (b) => [{ to: { id: b }, signalData: offer(200), callType: 'voice' }]],
    ['to is an array', (b) => [{ to: [b], signalData: offer(200), callType: 'voice' }]],
    ['to is null', () => [{ to: null, signalData: offer(200), callType: 'voice' }]],
    ['to is empty', () => [{ to: '', signalData: offer(200), callType: 'voice' }]],
    ['calling oneself', (b, a) => [{ to: a, signalData: offer(200), callType: 'voice' }]],
    ["callType 'fax'", (b) => [{ to: b, signalData: offer(200), callType: 'fax' }]],
    ['callType missing', (b) => [{ to: b, signalData: offer(200) }]],
    ['callType not a string', (b) => [{ to: b, signalData: offer(200), callType: 1 }]],
    ["callType 'VIDEO' (case matters)", (b) => [{ to: b, signalData: offer(200), callType: 'VIDEO' }]],
    ['missing signalData', (b) => [{ to: b, callType: 'voice' }]],
  ];
  for (const [name, mk] of badCalls) {
    t(`callUser INVALID_PAYLOAD: ${name} (ack), connection keeps working`, async (h) => {
      const a = await h.connect(h.id('alice'));
      const b = await h.connect(h.id('bob'));
      assertErrorAck(await ack(a, 'callUser', ...mk(b.userId, a.userId)), 'INVALID_PAYLOAD');
      await noEvent(b, 'incomingCall', 150);
      await noEvent(a, 'incomingCall', 0);
      await noEvent(a, 'error', 0);
      await stillWorks(a);
      await assertCanCall(a, b.userId, [b]); // not left "in a call"
    });
  }

  t('callUser INVALID_PAYLOAD without ack → error event {message, code}', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    for (const args of [['hello'], [{ signalData: offer(200), callType: 'voice' }], [{ to: a.userId, signalData: offer(200), callType: 'voice' }], [{ to: b.userId, signalData: offer(200), callType: 'fax' }], [{ to: b.userId, callType: 'video' }]]) {
      a.emit('callUser', ...args);
      const ev = await once(a, 'error');
      assertErrorEvent(ev, 'INVALID_PAYLOAD');
      assert.deepEqual(Object.keys(ev).sort(), ['code', 'message'], `error event is {message, code}: ${JSON.stringify(ev)}`);
    }
    await noEvent(b, 'incomingCall', 150);
    await stillWorks(a);
  });

  // ------------------------------------------------------------ INVALID_PAYLOAD: other events
  t('answerCall / rejectCall / endCall / iceCandidate INVALID_PAYLOAD; the ringing call survives', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    const { callId } = await ring(a, b.userId, [b]);
    const cases = [
      ['answerCall', ['x']], ['answerCall', []], ['answerCall', [{ signalData: answer(200) }]],
      ['answerCall', [{ to: 7, signalData: answer(200) }]], ['answerCall', [{ to: a.userId }]],
      ['rejectCall', [42]], ['rejectCall', [{}]], ['rejectCall', [{ to: ['x'] }]], ['rejectCall', [{ to: '' }]],
      ['endCall', [null]], ['endCall', [{}]], ['endCall', [{ to: 5 }]],
      ['iceCandidate', ['c']], ['iceCandidate', [{ candidate: candidate(1) }]], ['iceCandidate', [{ to: a.userId }]],
      ['iceCandidate', [{ to: {}, candidate: candidate(1) }]],
    ];
    for (const [ev, args] of cases) {
      const resp = await ack(b, ev, ...args);
      assert.equal(resp && resp.error && resp.error.code, 'INVALID_PAYLOAD', `${ev} ${JSON.stringify(args)} → INVALID_PAYLOAD, got ${JSON.stringify(resp)}`);
      assertErrorAck(resp, 'INVALID_PAYLOAD');
    }
    b.emit('answerCall', { to: a.userId });
    assertErrorEvent(await once(b, 'error'), 'INVALID_PAYLOAD');
    b.emit('iceCandidate', { to: a.userId });
    assertErrorEvent(await once(b, 'error'), 'INVALID_PAYLOAD');
    for (const ev of ['callAccepted', 'callRejected', 'callEnded', 'iceCandidate']) await noEvent(a, ev, 0);
    await stillWorks(b);
    await accept(a, b, callId);
    await hangup(a, b);
  });

  t('checkOnline INVALID_PAYLOAD: no payload, missing userIds, not an array, non-string or empty ids', async (h) => {
    const a = await h.connect(h.id('alice'));
    for (const args of [[], ['x'], [{}], [{ userIds: 'abc' }], [{ userIds: { a: 1 } }], [{ userIds: [123] }], [{ userIds: [a.userId, null] }], [{ userIds: [''] }]]) {
      const resp = await ack(a, 'checkOnline', ...args);
      assert.equal(resp && resp.error && resp.error.code, 'INVALID_PAYLOAD', `checkOnline ${JSON.stringify(args)} → INVALID_PAYLOAD, got ${JSON.stringify(resp)}`);
      assertErrorAck(resp, 'INVALID_PAYLOAD');
    }
    a.emit('checkOnline', { userIds: 'abc' });
    assertErrorEvent(await once(a, 'error'), 'INVALID_PAYLOAD');
    await stillWorks(a);
  });

  // ------------------------------------------------------------ PAYLOAD_TOO_LARGE
  t('PAYLOAD_TOO_LARGE: signalData over max-signal-bytes (ack and error event); callee not rung', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    assertErrorAck(await ack(a, 'callUser', { to: b.userId, signalData: offer(40000), callType: 'video' }), 'PAYLOAD_TOO_LARGE');
    a.emit('callUser', { to: b.userId, signalData: offer(60000), callType: 'video' });
    assertErrorEvent(await once(a, 'error'), 'PAYLOAD_TOO_LARGE');
    await noEvent(b, 'incomingCall', 200);
    await stillWorks(a);
    // a large but allowed offer (~30 KB) goes through byte for byte
    const big = offer(30000);
    const { callId, incomings } = await ring(a, b.userId, [b], { signalData: big });
    assert.equal(incomings[0].signalData.sdp, big.sdp);
    // answer over the limit is refused and the call keeps ringing
    assertErrorAck(await ack(b, 'answerCall', { to: a.userId, signalData: answer(40000) }), 'PAYLOAD_TOO_LARGE');
    await noEvent(a, 'callAccepted', 150);
    await accept(a, b, callId, { signalData: answer(30000) });
    await hangup(a, b);
  });

  for (const transport of ['websocket', 'polling']) {
    t(`PAYLOAD_TOO_LARGE over ${transport} for 100 KB and 500 KB signalData (below Socket.IO's 1 MB default buffer): answered, connection kept`, async (h) => {
      const a = await h.connect(h.id('alice'), { transports: [transport] });
      const b = await h.connect(h.id('bob'));
      let dropped = null;
      a.on('disconnect', (r) => { dropped = r; });
      for (const kb of [100, 500]) {
        const resp = await ack(a, 'callUser', { to: b.userId, signalData: { type: 'offer', sdp: 'x'.repeat(kb * 1024) }, callType: 'video' })
          .catch((e) => ({ noAnswer: e.message.slice(0, 120) }));
        assert.equal(resp && resp.error && resp.error.code, 'PAYLOAD_TOO_LARGE',
          `${kb} KB signalData over ${transport}: expected a PAYLOAD_TOO_LARGE answer and a live connection, got ${JSON.stringify(resp)} (disconnect reason: ${dropped})`);
      }
      await noEvent(b, 'incomingCall', 100);
      await stillWorks(a);
    });
  }

  t(`PAYLOAD_TOO_LARGE boundary: signalData JSON of exactly ${MAX_SIGNAL} bytes passes, ${MAX_SIGNAL + 1} does not`, async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    assertErrorAck(await ack(a, 'callUser', { to: b.userId, signalData: signalOfJsonBytes(MAX_SIGNAL + 1), callType: 'voice' }), 'PAYLOAD_TOO_LARGE');
    await noEvent(b, 'incomingCall', 150);
    const exact = signalOfJsonBytes(MAX_SIGNAL);
    await ring(a, b.userId, [b], { signalData: exact });
    await hangup(a, b);
  });

  t(`PAYLOAD_TOO_LARGE boundary: candidate JSON of exactly ${MAX_CANDIDATE} bytes passes, ${MAX_CANDIDATE + 1} does not`, async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    await ring(a, b.userId, [b]);
    const ofSize = (n) => {
      const c = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
      c.candidate = 'c'.repeat(n - JSON.stringify(c).length);
      assert.equal(Buffer.byteLength(JSON.stringify(c)), n);
      return c;
    };
    assertErrorAck(await ack(a, 'iceCandidate', { to: b.userId, candidate: ofSize(MAX_CANDIDATE + 1) }), 'PAYLOAD_TOO_LARGE');
    await noEvent(b, 'iceCandidate', 150);
    const exact = ofSize(MAX_CANDIDATE);
    assert.deepEqual(await ack(a, 'iceCandidate', { to: b.userId, candidate: exact }), { ok: true });
    assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: exact });
    await hangup(a, b);
  });

  t('PAYLOAD_TOO_LARGE: candidate over max-candidate-bytes; peer gets nothing, call continues', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    const { callId } = await ring(a, b.userId, [b]);
    await accept(a, b, callId);
    const huge = { candidate: `candidate:1 1 udp 1 127.0.0.1 5000 typ host ${'x'.repeat(MAX_CANDIDATE + 100)}`, sdpMid: '0', sdpMLineIndex: 0 };
    assertErrorAck(await ack(a, 'iceCandidate', { to: b.userId, candidate: huge }), 'PAYLOAD_TOO_LARGE');
    b.emit('iceCandidate', { to: a.userId, candidate: huge });
    assertErrorEvent(await once(b, 'error'), 'PAYLOAD_TOO_LARGE');
    await noEventOn([a, b], 'iceCandidate', 200);
    const ok = { candidate: `candidate:1 1 udp 1 127.0.0.1 5000 typ host ${'y'.repeat(3000)}`, sdpMid: '0', sdpMLineIndex: 0 };
    assert.deepEqual(await ack(a, 'iceCandidate', { to: b.userId, candidate: ok }), { ok: true });
    assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: ok });
    await hangup(b, a);
  });

  t(`PAYLOAD_TOO_LARGE: checkOnline with more than ${MAX_CHECK} ids; exactly ${MAX_CHECK} is fine`, async (h) => {
    const a = await h.connect(h.id('alice'));
    const ids = Array.from({ length: MAX_CHECK }, (_, i) => `nobody-${i}`);
    const resp = await ack(a, 'checkOnline', { userIds: ids });
    assert.equal(resp.ok, true, JSON.stringify(resp).slice(0, 200));
    assert.equal(Object.keys(resp.online).length, MAX_CHECK);
    assert.ok(Object.values(resp.online).every((v) => v === false));
    assertErrorAck(await ack(a, 'checkOnline', { userIds: [...ids, a.userId] }), 'PAYLOAD_TOO_LARGE');
    a.emit('checkOnline', { userIds: [...ids, 'x', 'y'] });
    assertErrorEvent(await once(a, 'error'), 'PAYLOAD_TOO_LARGE');
    await stillWorks(a);
  });

  // ------------------------------------------------------------ NOT_IN_CALL, USER_OFFLINE, BUSY
  t('NOT_IN_CALL (ack and error event), connection keeps working', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    assertErrorAck(await ack(a, 'endCall', { to: b.userId }), 'NOT_IN_CALL');
    a.emit('endCall', { to: b.userId });
    assertErrorEvent(await once(a, 'error'), 'NOT_IN_CALL');
    await noEvent(b, 'callEnded', 150);
    await stillWorks(a);
    await assertCanCall(a, b.userId, [b]);
  });

  t('USER_OFFLINE (ack and error event), connection keeps working', async (h) => {
    const a = await h.connect(h.id('alice'));
    assert.deepEqual(await ack(a, 'callUser', { to: h.id('ghost'), signalData: offer(200), callType: 'voice' }),
      { ok: false, error: { code: 'USER_OFFLINE', message: 'User is offline' } });
    a.emit('callUser', { to: h.id('ghost'), signalData: offer(200), callType: 'voice' });
    assert.deepEqual(await once(a, 'error'), { message: 'User is offline', code: 'USER_OFFLINE' });
    await stillWorks(a);
  });

  t('BUSY (ack and error event), connection keeps working', async (h) => {
    const a = await h.connect(h.id('alice'));
    const b = await h.connect(h.id('bob'));
    const c = await h.connect(h.id('carol'));
    await ring(a, b.userId, [b]);
    assertErrorAck(await ack(a, 'callUser', { to: c.userId, signalData: offer(200), callType: 'voice' }), 'BUSY');
    a.emit('callUser', { to: c.userId, signalData: offer(200), callType: 'voice' });
    assertErrorEvent(await once(a, 'error'), 'BUSY');
    await noEvent(c, 'incomingCall', 150);
    await stillWorks(a);
    await hangup(a, b);
    await assertCanCall(a, c.userId, [c]);
  });

  for (const transport of ['websocket', 'polling']) {
    t(`raw ${transport}: every request is answered exactly once (one ack per id, one error event per failed ack-less request)`, async (h) => {
      const me = h.id('raw');
      const r = await h.raw(transport);
      r.send(`0${JSON.stringify({ token: h.token(me) })}`);
      assert.ok(await r.waitPacket((p) => p.startsWith('0')), `CONNECT answered: ${JSON.stringify(r.packets)}`);
      const ghost = h.id('ghost');
      const acked = [
        ['checkOnline', { userIds: [me] }],
        ['getIceServers'],
        ['callUser', { to: ghost, signalData: offer(200), callType: 'voice' }],
        ['callUser', 'bad'],
        ['callUser', { to: me, signalData: offer(200), callType: 'voice' }],
        ['endCall', { to: ghost }],
        ['iceCandidate', { to: ghost, candidate: candidate(1) }],
        ['checkOnline', { userIds: 'bad' }],
      ];
      acked.forEach((args, i) => r.send(`2${i + 1}${JSON.stringify(args)}`));
      const unacked = [
        ['callUser', { to: ghost, signalData: offer(200), callType: 'voice' }],
        ['callUser', 42],
        ['endCall', { to: ghost }],
      ];
      unacked.forEach((args) => r.send(`2${JSON.stringify(args)}`));
      r.send(`2${acked.length + 1}${JSON.stringify(['checkOnline', { userIds: [me] }])}`); // a marker after all of them
      assert.ok(await r.waitPacket((p) => p.startsWith(`3${acked.length + 1}[`)), `all requests answered: ${JSON.stringify(r.packets).slice(0, 800)}`);
      await new Promise((res) => setTimeout(res, 300));
      for (let id = 1; id <= acked.length + 1; id += 1) {
        const n = r.packets.filter((p) => p.startsWith(`3${id}[`)).length;
        assert.equal(n, 1, `ack id ${id} (${JSON.stringify(acked[id - 1] || 'marker').slice(0, 80)}) answered ${n} times`);
      }
      const errorEvents = r.packets.filter((p) => p.startsWith('2["error"'));
      assert.equal(errorEvents.length, unacked.length, `one error event per failed ack-less request, got ${JSON.stringify(errorEvents)}`);
      const codes = errorEvents.map((p) => JSON.parse(p.slice(1))[1].code);
      assert.deepEqual(codes, ['USER_OFFLINE', 'INVALID_PAYLOAD', 'NOT_IN_CALL'], 'error events in request order');
    });
  }

  t('each failed request is answered exactly once: an ack and no error event', async (h) => {
    const a = await h.connect(h.id('alice'));
    await ack(a, 'callUser', 'bad');
    await ack(a, 'callUser', { to: h.id('ghost'), signalData: offer(200), callType: 'voice' });
    await ack(a, 'endCall', { to: h.id('ghost') });
    await ack(a, 'checkOnline', { userIds: 'bad' });
    await noEvent(a, 'error', 300);
  });
});

describe('RATE_LIMITED (calls-per-minute 3)', () => {
  let srv;
  before(async () => { srv = await startServer({ callsPerMinute: 3 }); });
  after(async () => { if (srv) await srv.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

  t('more callUser than calls-per-minute → RATE_LIMITED per user; others unaffected; connection keeps working', async (h) => {
    const aId = h.id('alice');
    const a = await h.connect(aId);
    const b = await h.connect(h.id('bob'));
    for (let i = 0; i < 3; i += 1) {
      await ring(a, b.userId, [b]);
      await hangup(a, b);
    }
    assertErrorAck(await ack(a, 'callUser', { to: b.userId, signalData: offer(200), callType: 'voice' }), 'RATE_LIMITED');
    await noEvent(b, 'incomingCall', 200);
    a.emit('callUser', { to: b.userId, signalData: offer(200), callType: 'voice' });
    assertErrorEvent(await once(a, 'error'), 'RATE_LIMITED');
    await noEvent(b, 'incomingCall', 200);
    await stillWorks(a);
    // per user, not per socket: a second socket of alice is limited too
    const a2 = await h.connect(aId);
    assertErrorAck(await ack(a2, 'callUser', { to: b.userId, signalData: offer(200), callType: 'voice' }), 'RATE_LIMITED');
    await noEvent(b, 'incomingCall', 200);
    // alice can still be called, answer and signal
    const c = await h.connect(h.id('carol'));
    const { callId } = await ring(c, aId, [a, a2]);
    await accept(c, a, callId);
    assert.deepEqual(await once(a2, 'callEnded'), { from: c.userId, reason: 'answered-elsewhere' });
    assert.deepEqual(await ack(a, 'iceCandidate', { to: c.userId, candidate: candidate(1) }), { ok: true });
    assert.deepEqual(await once(c, 'iceCandidate'), { from: aId, candidate: candidate(1) });
    await hangup(a, c);
    // bob has his own bucket
    await ring(b, c.userId, [c]);
    await hangup(b, c);
  });
});

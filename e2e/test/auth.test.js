'use strict';
// Handshake auth (auth.token, query token, bad tokens, user-claim), iceServers / getIceServers,
// and that nothing a refused or never-connected client sends is ever acted on.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const {
  startServer, scenario, once, noEvent, ack, offer, turnCredential, assertErrorAck, sleep,
  TEST_TIMEOUT,
} = require('../harness');
const { ring, accept, hangup } = require('../flows');

const TTL = 3600; // the server below runs with credential-ttl = 1h

function b64url(o) { return Buffer.from(JSON.stringify(o)).toString('base64url'); }

/** Check an {iceServers:[{urls, username, credential}], ttl}-shaped list for userId. */
function checkIceList(srv, list, userId, ttl) {
  assert.ok(Array.isArray(list), `iceServers must be a list: ${JSON.stringify(list)}`);
  assert.equal(list.length, 1, `one iceServers entry expected: ${JSON.stringify(list)}`);
  const [e] = list;
  assert.deepEqual(Object.keys(e).sort(), ['credential', 'urls', 'username'], `entry is {urls, username, credential}: ${JSON.stringify(e)}`);
  assert.deepEqual(e.urls, srv.turnUrls, 'urls exactly as configured with dialtone.turn.urls');
  const m = /^(\d+):(.+)$/.exec(e.username);
  assert.ok(m, `username must be <unix-expiry>:<userId>, got ${e.username}`);
  assert.equal(m[2], userId);
  const expiry = Number(m[1]);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(expiry - (now + ttl)) <= 10, `expiry ${expiry} must be ≈ now+ttl (${now + ttl})`);
  assert.equal(e.credential, turnCredential(srv.turnSecret, e.username), 'credential = base64(HMAC-SHA1(turn secret, username))');
  return expiry;
}

describe('auth and iceServers (user-claim sub, credential-ttl 1h)', () => {
  let srv;
  before(async () => { srv = await startServer({ ttl: '1h' }); });
  after(async () => { if (srv) await srv.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

  t('valid token in auth.token connects and gets iceServers right away', async (h) => {
    const id = h.id('alice');
    const s = await h.connect(id);
    const ev = await once(s, 'iceServers');
    assert.deepEqual(Object.keys(ev).sort(), ['iceServers', 'ttl'], `iceServers event is {iceServers, ttl}: ${JSON.stringify(ev)}`);
    assert.equal(ev.ttl, TTL, 'ttl in seconds, from dialtone.turn.credential-ttl');
    checkIceList(srv, ev.iceServers, id, TTL);
  });

  t('one user holds at most max-sockets-per-user (16) sockets; the next is refused, a freed place is reusable', async (h) => {
    const id = h.id('many');
    const sockets = [];
    for (let i = 0; i < 16; i += 1) sockets.push(await h.connect(id));
    const err = await h.connectError({ auth: { token: h.token(id) } }, `${id}#17`);
    assert.equal(err.message, 'Too many connections for this user');
    const other = await h.connect(h.id('other'));
    assert.deepEqual(await ack(other, 'checkOnline', { userIds: [id] }), { ok: true, online: { [id]: true } });
    await h.disconnect(sockets.pop());
    const t0 = Date.now();
    let again = null;
    while (!again && Date.now() - t0 < 3000) {
      try { again = await h.connect(id); } catch (e) { await sleep(100); }
    }
    assert.ok(again, 'after one socket left, the user can connect again');
  });

  t('valid token in the query string connects as that user', async (h) => {
    const a = h.id('alice');
    const b = h.id('bob');
    const sa = await h.connect(a, { via: 'query' });
    const sb = await h.connect(b);
    checkIceList(srv, (await once(sa, 'iceServers')).iceServers, a, TTL);
    const { callId } = await ring(sb, a, [sa]);
    await accept(sb, sa, callId);
    await hangup(sa, sb);
  });

  t('getIceServers ack: {ok:true, iceServers, ttl}, freshly minted', async (h) => {
    const id = h.id('carol');
    const s = await h.connect(id);
    const first = await once(s, 'iceServers');
    const e1 = checkIceList(srv, first.iceServers, id, TTL);
    await sleep(1100); // a fresh mint is at least one second later
    const resp = await ack(s, 'getIceServers');
    assert.deepEqual(Object.keys(resp).sort(), ['iceServers', 'ok', 'ttl'], `getIceServers ack is {ok, iceServers, ttl}: ${JSON.stringify(resp)}`);
    assert.equal(resp.ok, true);
    assert.equal(resp.ttl, TTL);
    const e2 = checkIceList(srv, resp.iceServers, id, TTL);
    assert.ok(e2 > e1, `getIceServers must mint fresh credentials (expiry ${e2} after ${e1})`);
  });

  const refusals = [
    ['no auth at all', () => ({})],
    ['empty auth object', () => ({ auth: {} })],
    ['empty token', () => ({ auth: { token: '' } })],
    ['forged token (wrong secret)', (id) => ({ auth: { token: jwt.sign({ sub: id }, 'not-the-secret', { expiresIn: '1h' }) } })],
    ['forged token in the query string', (id) => ({ query: { token: jwt.sign({ sub: id }, 'not-the-secret', { expiresIn: '1h' }) } })],
    ['expired token', (id, srv_) => ({ auth: { token: srv_.token(id, { options: { expiresIn: -60 } }) } })],
    ['expired token in the query string', (id, srv_) => ({ query: { token: srv_.token(id, { options: { expiresIn: -60 } }) } })],
    ['malformed token', () => ({ auth: { token: 'not-a-jwt' } })],
    ['malformed three-part token', () => ({ auth: { token: 'aaa.bbb.ccc' } })],
    ['non-string token', () => ({ auth: { token: 12345 } })],
    ['unsigned alg:none token', (id) => ({ auth: { token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: id, exp: Math.floor(Date.now() / 1000) + 3600 })}.` } })],
    ['HS256 token signed with the TURN secret', (id, srv_) => ({ auth: { token: jwt.sign({ sub: id }, srv_.turnSecret, { expiresIn: '1h' }) } })],
    ['valid signature but no user claim', (id, srv_) => ({ auth: { token: jwt.sign({ name: id }, srv_.jwtSecret, { expiresIn: '1h' }) } })],
  ];
  for (const [name, mk] of refusals) {
    t(`refused: ${name} → connect_error 'Authentication error'`, async (h) => {
      const id = h.id('mallory');
      const err = await h.connectError(mk(id, srv), name);
      assert.equal(err.message, 'Authentication error');
    });
  }

  t('a refused client is not registered: checkOnline false, callUser → USER_OFFLINE', async (h) => {
    const m = h.id('mallory');
    const a = h.id('alice');
    const sa = await h.connect(a);
    await h.connectError({ auth: { token: h.token(m, { options: { expiresIn: -60 } }) } }, 'expired');
    await h.connectError({ auth: { token: jwt.sign({ sub: m }, 'wrong', { expiresIn: '1h' }) } }, 'forged');
    await h.connectError({ query: { token: 'junk' } }, 'junk');
    const resp = await ack(sa, 'checkOnline', { userIds: [m] });
    assert.deepEqual(resp, { ok: true, online: { [m]: false } });
    assertErrorAck(await ack(sa, 'callUser', { to: m, signalData: offer(), callType: 'voice' }), 'USER_OFFLINE', 'User is offline');
  });

  t('a refused client claiming an online user does not disturb that user', async (h) => {
    const b = h.id('bob');
    const a = h.id('alice');
    const sb = await h.connect(b);
    const sa = await h.connect(a);
    const refused = [];
    refused.push(await h.connectError({ auth: { token: h.token(b, { options: { expiresIn: -60 } }) } }, 'expired-bob'));
    refused.push(await h.connectError({ auth: { token: jwt.sign({ sub: b }, 'wrong', { expiresIn: '1h' }) } }, 'forged-bob'));
    assert.ok(refused.every((e) => e.message === 'Authentication error'));
    for (const e of refused) e.socket.disconnect();
    await sleep(300); // let the server see the refused sockets go
    assert.deepEqual(await ack(sa, 'checkOnline', { userIds: [b] }), { ok: true, online: { [b]: true } });
    const { callId } = await ring(sa, b, [sb]);
    await accept(sa, sb, callId);
    await hangup(sb, sa);
  });

  for (const transport of ['websocket', 'polling']) {
    t(`raw ${transport}: events after a refused CONNECT are never acted on`, async (h) => {
      const b = h.id('bob');
      const sb = await h.connect(b);
      const r = await h.raw(transport);
      r.send(`0${JSON.stringify({ token: jwt.sign({ sub: h.id('mallory') }, 'wrong', { expiresIn: '1h' }) })}`);
      const refusal = await r.waitPacket((p) => p.startsWith('4'));
      assert.ok(refusal, `expected a CONNECT_ERROR packet, got ${JSON.stringify(r.packets)}`);
      assert.deepEqual(JSON.parse(refusal.slice(1)), { message: 'Authentication error' });
      const sig = offer(300);
      r.send(`27${JSON.stringify(['callUser', { to: b, signalData: sig, callType: 'video' }])}`);
      r.send(`2${JSON.stringify(['callUser', { to: b, signalData: sig, callType: 'voice' }])}`);
      r.send(`28${JSON.stringify(['checkOnline', { userIds: [b] }])}`);
      r.send(`29${JSON.stringify(['getIceServers'])}`);
      await noEvent(sb, 'incomingCall', 500);
      const first = r.packets.find((x) => x.startsWith('37'));
      assert.ok(first, `the acked request of a refused client is answered (UNAUTHORIZED); packets: ${JSON.stringify(r.packets)}`);
      for (const p of r.packets.filter((x) => x.startsWith('3'))) {
        const body = JSON.parse(p.replace(/^3\d+/, ''));
        assert.ok(!(body[0] && body[0].ok === true), `a refused client got a successful ack: ${p}`);
        assert.equal(body[0] && body[0].error && body[0].error.code, 'UNAUTHORIZED', `ack to a refused client must be UNAUTHORIZED: ${p}`);
      }
      const evs = r.packets.filter((x) => x.startsWith('2'));
      assert.ok(!evs.some((p) => p.includes('"iceServers"')), `a refused client must not be given TURN credentials: ${evs}`);
      assert.ok(await r.waitClosedOrDisconnected(2500), `a refused client sending events must be disconnected (packets: ${JSON.stringify(r.packets)})`);
      // bob is undisturbed and still callable
      const sa = await h.connect(h.id('alice'));
      const { callId } = await ring(sa, b, [sb]);
      await accept(sa, sb, callId);
      await hangup(sa, sb);
    });

    t(`raw ${transport}: events with no CONNECT at all are never acted on, socket disconnected (UNAUTHORIZED)`, async (h) => {
      const b = h.id('bob');
      const sb = await h.connect(b);
      const r = await h.raw(transport);
      r.send(`21${JSON.stringify(['callUser', { to: b, signalData: offer(300), callType: 'voice' }])}`);
      r.send(`2${JSON.stringify(['callUser', { to: b, signalData: offer(300), callType: 'voice' }])}`);
      r.send(`22${JSON.stringify(['checkOnline', { userIds: [b] }])}`);
      await noEvent(sb, 'incomingCall', 500);
      const first = r.packets.find((x) => x.startsWith('31'));
      assert.ok(first, `the acked request of an unauthenticated client is answered (UNAUTHORIZED); packets: ${JSON.stringify(r.packets)}`);
      for (const p of r.packets.filter((x) => x.startsWith('3'))) {
        const body = JSON.parse(p.replace(/^3\d+/, ''));
        assert.ok(!(body[0] && body[0].ok === true), `an unauthenticated client got a successful ack: ${p}`);
        assert.equal(body[0] && body[0].error && body[0].error.code, 'UNAUTHORIZED', `ack to an unauthenticated client must be UNAUTHORIZED: ${p}`);
      }
      for (const p of r.packets.filter((x) => x.startsWith('2'))) {
        assert.ok(!p.includes('"iceServers"'), `an unauthenticated client must not be given TURN credentials: ${p}`);
      }
      const gone = await r.waitClosedOrDisconnected(2500);
      assert.ok(gone, `an unauthenticated client sending events must be disconnected (packets seen: ${JSON.stringify(r.packets)})`);
    });
  }

  t('raw: a second CONNECT with a forged token cannot change who the client is', async (h) => {
    const m = h.id('mallory');
    const b = h.id('bob');
    const c = h.id('carol');
    const sb = await h.connect(b);
    const sc = await h.connect(c);
    const r = await h.raw('websocket');
    r.send(`0${JSON.stringify({ token: h.token(m) })}`);
    assert.ok(await r.waitPacket((p) => p.startsWith('0{')), `first CONNECT accepted: ${JSON.stringify(r.packets)}`);
    r.send(`0${JSON.stringify({ token: jwt.sign({ sub: b }, 'wrong', { expiresIn: '1h' }) })}`);
    await sleep(200);
    r.send(`21${JSON.stringify(['callUser', { to: c, signalData: offer(200), callType: 'voice' }])}`);
    const answer1 = await r.waitPacket((p) => p.startsWith('31['), 2000);
    if (answer1 && JSON.parse(answer1.slice(2))[0].ok === true) {
      const inc = await once(sc, 'incomingCall');
      assert.equal(inc.from, m, `the call must come from ${m}, not from the forged ${b}`);
    } else {
      await noEvent(sc, 'incomingCall', 300); // refused or dropped: then nobody is rung
    }
    await noEvent(sb, 'incomingCall', 0);
  });

  t('raw: events addressed to another namespace are never acted on', async (h) => {
    const b = h.id('bob');
    const sb = await h.connect(b);
    const r = await h.raw('websocket');
    r.send(`0${JSON.stringify({ token: h.token(h.id('mallory')) })}`);
    assert.ok(await r.waitPacket((p) => p.startsWith('0{')), `CONNECT accepted: ${JSON.stringify(r.packets)}`);
    r.send(`0/admin,${JSON.stringify({ token: h.token(h.id('mallory')) })}`);
    r.send(`2/admin,${JSON.stringify(['callUser', { to: b, signalData: offer(200), callType: 'voice' }])}`);
    r.send(`2/admin,5${JSON.stringify(['checkOnline', { userIds: [b] }])}`);
    await noEvent(sb, 'incomingCall', 400);
    const okAck = r.packets.find((p) => p.startsWith('3/admin,') && p.includes('"ok":true'));
    assert.ok(!okAck, `nothing answered on a namespace that does not exist: ${okAck}`);
  });
});

describe('user-claim _id', () => {
  let srv;
  before(async () => { srv = await startServer({ userClaim: '_id' }); });
  after(async () => { if (srv) await srv.stop(); });
  const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, scenario(() => srv, fn));

  t('token with _id connects as that user and can call and be called', async (h) => {
    const a = h.id('alice');
    const b = h.id('bob');
    const sa = await h.connect(a);
    const sb = await h.connect(b);
    const ev = await once(sa, 'iceServers');
    assert.ok(ev.iceServers[0].username.endsWith(`:${a}`), `username for ${a}: ${ev.iceServers[0].username}`);
    const { callId } = await ring(sa, b, [sb]);
    await accept(sa, sb, callId);
    await hangup(sb, sa);
  });

  t('token with only sub is refused when the claim is _id', async (h) => {
    const id = h.id('alice');
    const err = await h.connectError({ auth: { token: jwt.sign({ sub: id }, srv.jwtSecret, { expiresIn: '1h' }) } });
    assert.equal(err.message, 'Authentication error');
  });

  t('a number claim becomes its decimal string', async (h) => {
    const num = 900000000 + Math.floor(Math.random() * 99999999);
    const ids = String(num);
    const sn = await h.connect(ids, { token: jwt.sign({ _id: num }, srv.jwtSecret, { expiresIn: '1h' }) });
    const sb = await h.connect(h.id('bob'));
    assert.ok((await once(sn, 'iceServers')).iceServers[0].username.endsWith(`:${ids}`));
    assert.deepEqual(await ack(sb, 'checkOnline', { userIds: [ids] }), { ok: true, online: { [ids]: true } });
    const r1 = await ring(sb, ids, [sn]);
    await accept(sb, sn, r1.callId);
    await hangup(sn, sb);
    const r2 = await ring(sn, sb.userId, [sb]); // incomingCall.from === '<digits>' (a string)
    await accept(sn, sb, r2.callId);
    await hangup(sn, sb);
  });
});

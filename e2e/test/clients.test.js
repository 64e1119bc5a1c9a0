'use strict';
// The seed's whole call flow with third-party Socket.IO clients, over websocket, polling then
// upgrade, and polling only: the Java client (io.socket:socket.io-client 2.x, default OkHttp
// pool), Debian's python3-socketio (sync Client and AsyncClient) and npm socket.io-client 2.x
// (Engine.IO v3, served because dialtone.signaling.allow-eio3 is on here; clients-eio3-off.test.js
// covers the refusal). Both parties of every call use the client under test.
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const { startNode, turnCredential, TEST_TIMEOUT } = require('../harness');
const { startDriver } = require('../clients');

const KINDS = ['java', 'python-sync', 'python-async', 'npm-v2'];
const TRANSPORTS = {
  websocket: ['websocket'],
  'polling then upgrade': ['polling', 'websocket'],
  polling: ['polling'],
};
const CYCLES = 6; // connect/call/close cycles over polling only

/** ~4 KB of SDP with everything a JSON or framing layer can get wrong. */
function hostileSdp(type) {
  const line = `a=x-dialtone:"quoted" \\back\\slash\ttab é✓😀 \u2028 nul\u0000 ${type}\r\n`;
  let sdp = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns="${type}"\r\n`;
  while (Buffer.byteLength(sdp) < 4096) sdp += line;
  return { type, sdp };
}

let srv;
let seq = 0;
before(async () => { srv = await startNode({ props: { 'dialtone.signaling.allow-eio3': 'true' } }); });
after(async () => { if (srv) await srv.stop(); });

const userId = (name) => { seq += 1; return `${name}-${process.pid}-${seq}`; };

for (const kind of KINDS) {
  describe(kind, () => {
    let driver;
    before(() => { driver = startDriver(kind); });
    after(async () => { if (driver) await driver.stop(); });

    // Engine.IO v3 clients have no auth payload: their token is in the query.
    const via = kind === 'npm-v2' ? 'query' : 'auth';
    const connect = (id, transports) => driver.connect(srv.url, { transports, token: srv.token(id), via, label: id });
    const t = (name, fn) => test(name, { timeout: TEST_TIMEOUT }, async () => {
      const sockets = [];
      try {
        await fn(async (id, transports) => { const s = await connect(id, transports); sockets.push(s); return s; });
      } catch (err) {
        err.message += `\n--- server log tail (${srv.logFile}) ---\n${srv.logTail(30)}`;
        throw err;
      } finally {
        for (const s of sockets) await s.close().catch(() => {});
      }
    });

    for (const [name, transports] of Object.entries(TRANSPORTS)) {
      t(`${name}: callUser → incomingCall → answerCall → callAccepted → endCall → callEnded, with acks and a hostile 4 KB SDP`, async (open) => {
        const [aId, bId] = [userId('alice'), userId('bob')];
        const a = await open(aId, transports);
        const b = await open(bId, transports);
        for (const [s, id] of [[a, aId], [b, bId]]) {
          const { iceServers } = await s.once('iceServers');
          assert.ok(iceServers[0].username.endsWith(`:${id}`), `iceServers minted for ${id}: ${iceServers[0].username}`);
          assert.equal(iceServers[0].credential, turnCredential(srv.turnSecret, iceServers[0].username));
        }
        const offer = hostileSdp('offer');
        const placed = await a.ack('callUser', { to: bId, signalData: offer, callType: 'video' });
        assert.equal(placed.ok, true, JSON.stringify(placed));
        const incoming = await b.once('incomingCall');
        assert.equal(incoming.from, aId);
        assert.equal(incoming.callType, 'video');
        assert.equal(incoming.callId, placed.callId);
        assert.equal(incoming.signalData.sdp, offer.sdp, 'the offer arrives byte for byte');
        assert.deepEqual(incoming.signalData, offer);
        const answer = hostileSdp('answer');
        assert.deepEqual(await b.ack('answerCall', { to: aId, signalData: answer }), { ok: true, callId: placed.callId });
        const accepted = await a.once('callAccepted');
        assert.equal(accepted.sdp, answer.sdp, 'the answer arrives byte for byte');
        assert.deepEqual(await a.ack('endCall', { to: bId }), { ok: true });
        assert.deepEqual(await b.once('callEnded'), { from: aId, reason: 'hangup' });
      });

      t(`${name}: rejectCall → callRejected and the offline error, without acks as the seed's clients`, async (open) => {
        const [aId, bId] = [userId('alice'), userId('bob')];
        const a = await open(aId, transports);
        const b = await open(bId, transports);
        a.emit('callUser', { to: bId, signalData: hostileSdp('offer'), callType: 'voice' });
        assert.equal((await b.once('incomingCall')).from, aId);
        b.emit('rejectCall', { to: aId });
        assert.deepEqual(await a.once('callRejected'), { from: bId, reason: 'declined' });
        a.emit('callUser', { to: userId('ghost'), signalData: { type: 'offer', sdp: 'v=0\r\n' }, callType: 'voice' });
        assert.deepEqual(await a.once('error'), { message: 'User is offline', code: 'USER_OFFLINE' });
        assert.deepEqual(await a.ack('callUser', { to: userId('ghost'), signalData: { type: 'offer', sdp: 'v=0\r\n' }, callType: 'voice' }),
          { ok: false, error: { code: 'USER_OFFLINE', message: 'User is offline' } });
        assert.deepEqual(await b.ack('checkOnline', { userIds: [aId, 'nobody'] }), { ok: true, online: { [aId]: true, nobody: false } });
      });

      t(`${name}: the query-string token is accepted; forged and missing tokens are refused`, async () => {
        const id = userId('carol');
        const byQuery = await driver.connect(srv.url, { transports, token: srv.token(id), via: 'query', label: `${id}-query` });
        try {
          assert.ok((await byQuery.once('iceServers')).iceServers[0].username.endsWith(`:${id}`));
        } finally {
          await byQuery.close();
        }
        const forged = jwt.sign({ sub: id }, 'not-the-secret-not-the-secret-not-the-secret', { expiresIn: '1h' });
        const refusals = [
          await driver.connectError(srv.url, { transports, token: forged, via, label: `${id}-forged` }),
          await driver.connectError(srv.url, { transports, via, label: `${id}-missing` }),
        ];
        for (const message of refusals) {
          // Socket.IO v4 clients get the CONNECT refusal; v2 clients are refused at the handshake
          if (kind === 'npm-v2') assert.match(message, transports[0] === 'polling' ? /HTTP 401/ : /error/);
          else assert.equal(message, 'Authentication error');
        }
      });
    }

    t(`polling only: ${CYCLES} connect/call/close cycles in a row`, async () => {
      for (let i = 0; i < CYCLES; i += 1) {
        const [aId, bId] = [userId('cyc-a'), userId('cyc-b')];
        const a = await connect(aId, ['polling']);
        const b = await connect(bId, ['polling']);
        try {
          const placed = await a.ack('callUser', { to: bId, signalData: hostileSdp('offer'), callType: 'voice' });
          assert.equal(placed.ok, true, `cycle ${i}: ${JSON.stringify(placed)}`);
          await b.once('incomingCall');
          assert.equal((await b.ack('answerCall', { to: aId, signalData: hostileSdp('answer') })).ok, true);
          await a.once('callAccepted');
          assert.deepEqual(await a.ack('endCall', { to: bId }), { ok: true });
          assert.deepEqual(await b.once('callEnded'), { from: aId, reason: 'hangup' });
        } finally {
          await a.close();
          await b.close();
        }
      }
    });
  });
}

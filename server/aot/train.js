// The training workload of an AOT cache (train.sh): what a production Dialtone does in its first
// minutes, so that the classes it loads and the methods it profiles are the ones the cache keeps.
// Clients connect over every transport (websocket, polling then upgrade, polling only), place,
// answer, reject and end calls with 4 KB SDPs and trickled candidates, use every ack, hit the
// common errors, disconnect and reconnect (as after a restart), and send STUN/TURN requests to the
// relay. Not a test: it only fails when the server does not answer at all.
//
//   node train.js --url http://127.0.0.1:4002 --secret S [--relay-port 3478] [--rounds 4] [--calls 40]
'use strict';
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const URL_ = arg('url', 'http://127.0.0.1:4002');
const SECRET = arg('secret');
const RELAY_PORT = Number(arg('relay-port', 0));
const ROUNDS = Number(arg('rounds', 4));
const CALLS = Number(arg('calls', 40)); // per pair per round
const WAIT_MS = 15000;

const TRANSPORTS = [
  { transports: ['websocket'] },
  {}, // polling, then the upgrade to websocket
  { transports: ['polling'] },
];
const PAIRS_PER_TRANSPORT = 4;

const sdp = (kind) => 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' + `a=${kind}:"\\é✓😀\u2028`.padEnd(4000, 'x') + '\r\n';
const OFFER = { type: 'offer', sdp: sdp('offer') };
const ANSWER = { type: 'answer', sdp: sdp('answer') };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };

function connect(userId, opts) {
  const token = jwt.sign({ sub: userId }, SECRET, { expiresIn: '10m' });
  const s = io(URL_, { ...opts, auth: { token }, reconnection: false, forceNew: true, timeout: WAIT_MS });
  return new Promise((resolve, reject) => {
    s.once('iceServers', () => resolve(s));
    s.once('connect_error', (e) => reject(new Error(`${userId}: ${e.message}`)));
  });
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${WAIT_MS} ms`)), WAIT_MS);
    socket.once(event, (data) => { clearTimeout(timer); resolve(data); });
  });
}

function ack(socket, event, payload) {
  return socket.timeout(WAIT_MS).emitWithAck(event, payload);
}

async function call(a, b, aId, bId, n) {
  if (n % 10 === 9) { // declined
    const incoming = once(b, 'incomingCall');
    await ack(a, 'callUser', { to: bId, signalData: OFFER, callType: 'voice' });
    await incoming;
    const rejected = once(a, 'callRejected');
    await ack(b, 'rejectCall', { to: aId });
    await rejected;
    return;
  }
  const incoming = once(b, 'incomingCall');
  await ack(a, 'callUser', { to: bId, signalData: OFFER, callType: n % 2 ? 'voice' : 'video' });
  await incoming;
  const accepted = once(a, 'callAccepted');
  await ack(b, 'answerCall', { to: aId, signalData: ANSWER });
  await accepted;
  const atA = once(a, 'iceCandidate');
  const atB = once(b, 'iceCandidate');
  await Promise.all([ack(a, 'iceCandidate', { to: bId, candidate: CANDIDATE }),
    ack(b, 'iceCandidate', { to: aId, candidate: CANDIDATE })]);
  await Promise.all([atA, atB]);
  if (n % 5 === 0) {
    await ack(a, 'getIceServers', {});
    await ack(b, 'checkOnline', { userIds: [aId, 'nobody-' + n] });
  }
  const ended = once(b, 'callEnded');
  await ack(a, 'endCall', { to: bId });
  await ended;
}

async function pair(round, index, opts) {
  const aId = `train-a-${index}`;
  const bId = `train-b-${index}`;
  const [a, b] = await Promise.all([connect(aId, opts), connect(bId, opts)]);
  try {
    for (let n = 0; n < CALLS; n++) await call(a, b, aId, bId, n);
    // the errors a real client meets
    await ack(a, 'callUser', { to: 'offline-user', signalData: OFFER, callType: 'video' });
    await ack(a, 'endCall', { to: bId });
    await ack(a, 'callUser', { to: bId, signalData: 'not an object', callType: 'fax' });
  } finally {
    a.close();
    b.close();
  }
}

// STUN Binding and an unauthenticated TURN Allocate (answered 401): the relay's decode and answer paths.
function stun(count) {
  if (!RELAY_PORT) return Promise.resolve();
  const sock = dgram.createSocket('udp4');
  const message = (type, attrs) => {
    const header = Buffer.alloc(20);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(attrs.length, 2);
    header.writeUInt32BE(0x2112a442, 4);
    crypto.randomBytes(12).copy(header, 8);
    return Buffer.concat([header, attrs]);
  };
  const transport = Buffer.from([0x00, 0x19, 0x00, 0x04, 17, 0, 0, 0]); // REQUESTED-TRANSPORT UDP
  return new Promise((resolve) => {
    let answered = 0;
    const timer = setTimeout(() => { sock.close(); resolve(); }, WAIT_MS);
    sock.on('message', () => {
      if (++answered === count) { clearTimeout(timer); sock.close(); resolve(); }
    });
    sock.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < count; i++) {
        sock.send(i % 2 ? message(0x0003, transport) : message(0x0001, Buffer.alloc(0)), RELAY_PORT, '127.0.0.1');
      }
    });
  });
}

async function main() {
  if (!SECRET) throw new Error('--secret is required');
  const t0 = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const pairs = [];
    TRANSPORTS.forEach((opts, t) => {
      for (let i = 0; i < PAIRS_PER_TRANSPORT; i++) pairs.push(pair(round, t * PAIRS_PER_TRANSPORT + i, opts));
    });
    await Promise.all([...pairs, stun(200)]);
  }
  const calls = ROUNDS * TRANSPORTS.length * PAIRS_PER_TRANSPORT * CALLS;
  console.log(`trained: ${calls} calls in ${ROUNDS} rounds of reconnects over websocket, polling+upgrade and polling, ${Date.now() - t0} ms`);
}

main().then(() => process.exit(0), (e) => { console.error(`training failed: ${e.message}`); process.exit(1); });

// Call-signaling load over one or more Dialtone nodes (bench/cluster/run.sh).
//
// PAIRS caller/callee pairs, websocket transport, JWT in auth.token. Pair i's caller connects to
// node i % N; with two nodes its callee connects to node (i + floor(i / 2)) % 2, so that pairs
// 0, 1 stay on one node and pairs 2, 3 cross: half of the calls cross nodes. Each pair runs
// calls back to back, all pairs at once (closed loop), the seed's sequence:
// callUser (4 KB offer) → incomingCall → answerCall (4 KB answer) → callAccepted → endCall →
// callEnded. WARMUP calls per pair first, not measured (the JVM's JIT). Prints one JSON object.
//
//   node load.js --urls http://127.0.0.1:P1[,http://127.0.0.1:P2] --secret S
//                [--pairs 48] [--calls 100] [--warmup 40] [--sdp 4000] [--call-timeout-ms 10000]
'use strict';
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const urls = arg('urls', 'http://127.0.0.1:4002').split(',');
const secret = arg('secret', 'bench-secret');
const pairs = Number(arg('pairs', 48));
const calls = Number(arg('calls', 100));
const warmup = Number(arg('warmup', 40));
const sdpBytes = Number(arg('sdp', 4000));
const callTimeoutMs = Number(arg('call-timeout-ms', 10000));

const sdp = (kind) => ({ type: kind, sdp: `v=0\r\n${'a=x'.repeat(Math.ceil(sdpBytes / 3))}`.slice(0, sdpBytes) });
const OFFER = sdp('offer');
const ANSWER = sdp('answer');

function connect(url, userId) {
  const token = jwt.sign({ sub: userId }, secret, { algorithm: 'HS256', expiresIn: '1h' });
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => reject(new Error(`${userId} on ${url}: ${e.message}`)));
  });
}

const nodeOf = (i) => ({ caller: i % urls.length, callee: urls.length === 1 ? 0 : (i + Math.floor(i / 2)) % 2 });

async function makePair(i, tag) {
  const { caller: cn, callee: en } = nodeOf(i);
  const callerId = `caller-${tag}-${i}`;
  const calleeId = `callee-${tag}-${i}`;
  const [caller, callee] = await Promise.all([connect(urls[cn], callerId), connect(urls[en], calleeId)]);
  callee.on('incomingCall', (inc) => callee.emit('answerCall', { to: inc.from, signalData: ANSWER }));
  return { i, caller, callee, callerId, calleeId, crossing: cn !== en };
}

/** One full call; resolves with the setup latency (ms), rejects on an error or timeout. */
function oneCall(p) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let setup;
    const timer = setTimeout(() => done(new Error('call timed out')), callTimeoutMs);
    const onAccepted = () => {
      setup = Number(process.hrtime.bigint() - t0) / 1e6;
      p.caller.emit('endCall', { to: p.calleeId });
    };
    const onEnded = () => done(null);
    const onFail = (what) => (payload) => done(new Error(`${what} ${JSON.stringify(payload)}`));
    const failRejected = onFail('callRejected');
    const failError = onFail('error');
    function done(err) {
      clearTimeout(timer);
      p.caller.off('callAccepted', onAccepted);
      p.callee.off('callEnded', onEnded);
      p.caller.off('callRejected', failRejected);
      p.caller.off('error', failError);
      if (err) reject(err); else resolve(setup);
    }
    p.caller.once('callAccepted', onAccepted);
    p.callee.once('callEnded', onEnded);
    p.caller.once('callRejected', failRejected);
    p.caller.once('error', failError);
    p.caller.emit('callUser', { to: p.calleeId, signalData: OFFER, callType: 'video' });
  });
}

async function run(all, n, record) {
  let errors = 0;
  await Promise.all(all.map(async (p) => {
    for (let k = 0; k < n; k += 1) {
      try {
        record(p, await oneCall(p));
      } catch (e) {
        errors += 1;
        if (errors <= 3) console.error(`pair ${p.i}: ${e.message}`);
        await new Promise((r) => setTimeout(r, 200)); // let a stuck call's leftovers pass
      }
    }
  }));
  return errors;
}

const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
const round = (x) => (x == null ? null : Math.round(x * 10) / 10);

(async () => {
  const tag = Math.random().toString(36).slice(2, 8);
  const all = [];
  for (let i = 0; i < pairs; i += 1) all.push(await makePair(i, tag));
  await run(all, warmup, () => {});
  const setups = { all: [], crossing: [], local: [] };
  const t0 = Date.now();
  const errors = await run(all, calls, (p, ms) => {
    setups.all.push(ms);
    setups[p.crossing ? 'crossing' : 'local'].push(ms);
  });
  const seconds = (Date.now() - t0) / 1000;
  const summary = (list) => {
    const s = [...list].sort((x, y) => x - y);
    return { calls: s.length, p50: round(pct(s, 0.5)), p95: round(pct(s, 0.95)), p99: round(pct(s, 0.99)) };
  };
  for (const p of all) { p.caller.close(); p.callee.close(); }
  console.log(JSON.stringify({
    nodes: urls.length, pairs, crossing_pairs: all.filter((p) => p.crossing).length,
    completed: setups.all.length, errors, seconds: round(seconds),
    calls_per_s: round(setups.all.length / seconds),
    setup_ms: summary(setups.all), setup_ms_crossing: summary(setups.crossing), setup_ms_local: summary(setups.local),
  }));
})().catch((e) => { console.error(e); process.exit(1); });

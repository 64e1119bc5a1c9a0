'use strict';
// A stalled Redis holds up only the requests that need it (docs/cluster.md, "Redis off the event
// loop"): two nodes on one real redis-server, which the test pauses with SIGSTOP for 2 s. During
// the pause the sockets of node A keep getting their Engine.IO pings (and their pongs are taken:
// the ping timeout is shorter than the pause), getIceServers is answered at once, and a socket
// flooding requests is refused beyond the bound; afterwards the call, the connect and the
// requests made during the pause complete.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startCluster, scenarioOnNodes, once, ack, ackWithin, offer, assertErrorAck, sleep, TEST_TIMEOUT,
} = require('../harness');
const { accept, hangup } = require('../flows');

const PAUSE_MS = 2000;
// Server pings every 300 ms; a client hearing none for interval + timeout (1.8 s, less than the
// pause) closes, and so does the server for a client whose pong does not come within 1.5 s.
const PING_INTERVAL_MS = 300;
const PING_TIMEOUT_MS = 1500;
/** Longest silence between pings tolerated during the pause: far below the pause, far above the interval. */
const MAX_PING_GAP_MS = 1500;
/** getIceServers during the pause: answered without Redis (the brief says ~300 ms; slack for a loaded machine). */
const ICE_ANSWER_MS = 600;
// netty-socketio runs 2 × cores event loops; this many sockets put some on the loop of every stalled request
const WATCHERS = 8;
const FLOOD = 100;
const MAX_WAITING = 64; // SessionWork.MAX_WAITING
/** How long a request made during the pause may take to be answered after it. */
const AFTER_RESUME_MS = 8000;

let cluster;
let nodeA;
let nodeB;
let resumeRedis = () => {};

before(async () => {
  cluster = await startCluster({ props: {
    'dialtone.signaling.ping-interval': `${PING_INTERVAL_MS}ms`,
    'dialtone.signaling.ping-timeout': `${PING_TIMEOUT_MS}ms`,
  } });
  [nodeA, nodeB] = cluster.nodes;
});

after(async () => {
  resumeRedis();
  if (cluster) await cluster.stop();
});

/** A promise awaited later: its failure is kept for then, not left unhandled meanwhile. */
const settled = (p) => p.then((value) => ({ value }), (error) => ({ error }));
const outcome = async (s) => { const { value, error } = await s; if (error) throw error; return value; };

/** Resolves with {resp, at} when the ack comes. */
const timedAck = (ms, socket, event, payload) => ackWithin(ms, socket, event, payload).then((resp) => ({ resp, at: Date.now() }));

test('Redis paused 2 s: pings and getIceServers of the same node unaffected, a flood bounded, calls complete after',
  { timeout: TEST_TIMEOUT }, scenarioOnNodes(() => [nodeA, nodeB], async (onA, onB, t) => {
    const watchers = [];
    for (let i = 0; i < WATCHERS; i += 1) {
      const w = await onA.connect(onA.id('watcher'));
      w.pings = [];
      w.io.on('ping', () => w.pings.push(Date.now()));
      watchers.push(w);
    }
    const alice = await onA.connect(onA.id('alice'));
    const mallory = await onA.connect(onA.id('mallory'));
    const bob = await onB.connect(onB.id('bob'));
    // pings flow before the pause
    await Promise.all(watchers.map(async (w) => {
      const t0 = Date.now();
      while (w.pings.length < 2 && Date.now() - t0 < 5000) await sleep(20);
      assert.ok(w.pings.length >= 2, `${w.userId}: pings every ${PING_INTERVAL_MS} ms before the pause, got ${w.pings.length} in 5 s`);
    }));

    process.kill(cluster.redis.pid, 'SIGSTOP');
    const pausedAt = Date.now();
    let resumedAt = null;
    resumeRedis = () => {
      if (resumedAt === null) {
        process.kill(cluster.redis.pid, 'SIGCONT');
        resumedAt = Date.now();
      }
    };
    let call;
    let carol;
    let flood;
    const answered = [];
    const iceLatencies = [];
    try {
      // requests that need Redis, made while it is paused; awaited after it
      const signalData = offer(1000);
      call = settled(timedAck(PAUSE_MS + AFTER_RESUME_MS, alice, 'callUser', { to: bob.userId, signalData, callType: 'voice' }));
      carol = settled(onA.connect(onA.id('carol')).then((s) => ({ s, at: Date.now() })));
      flood = Array.from({ length: FLOOD }, () => settled(timedAck(PAUSE_MS + AFTER_RESUME_MS, mallory, 'checkOnline',
        { userIds: [bob.userId] }).then((r) => { answered.push(r); return r; })));

      // in-memory answers for sockets of the same node, while Redis is paused
      for (const w of watchers) {
        const t0 = Date.now();
        const resp = await ackWithin(2 * ICE_ANSWER_MS, w, 'getIceServers', {}).catch(() => null);
        iceLatencies.push(resp && resp.ok === true && resp.iceServers.length > 0 ? Date.now() - t0 : Infinity);
      }
      // the flood beyond the bound is refused at once, Redis or not
      while (answered.length < FLOOD - MAX_WAITING - 1 && Date.now() - pausedAt < PAUSE_MS) await sleep(10);
      await sleep(Math.max(0, pausedAt + PAUSE_MS - Date.now()));
    } finally {
      resumeRedis();
    }

    // every socket of node A heard pings all through the pause and is still connected
    const gaps = watchers.map((w) => {
      const during = [pausedAt, ...w.pings.filter((p) => p > pausedAt && p < resumedAt), resumedAt];
      return Math.max(...during.slice(1).map((p, i) => p - during[i]));
    });
    t.diagnostic(`longest silence between pings per socket during the ${resumedAt - pausedAt} ms pause: ${gaps.join(', ')} ms`);
    t.diagnostic(`getIceServers during the pause answered in ${iceLatencies.join(', ')} ms`);
    watchers.forEach((w, i) => {
      assert.ok(gaps[i] < MAX_PING_GAP_MS, `${w.userId}: no ping for ${gaps[i]} ms while Redis was paused`);
      assert.ok(w.connected, `${w.userId} lost its connection while Redis was paused`);
    });
    assert.ok(Math.max(...iceLatencies) < ICE_ANSWER_MS,
      `getIceServers with Redis paused answered in ${iceLatencies.join(', ')} ms (bound ${ICE_ANSWER_MS})`);
    assert.ok(resumedAt - pausedAt < PAUSE_MS + 1000, `the checks during the pause took ${resumedAt - pausedAt} ms`);

    // the call placed during the pause goes through once Redis is back: ack, ring, answer, hang up
    const placed = await outcome(call);
    assert.equal(placed.resp.ok, true, `callUser made during the pause: ${JSON.stringify(placed.resp)}`);
    assert.ok(placed.at >= resumedAt, 'the callUser ack came before Redis was resumed: was it paused?');
    const inc = await once(bob, 'incomingCall', AFTER_RESUME_MS);
    assert.equal(inc.from, alice.userId);
    assert.equal(inc.callId, placed.resp.callId);
    await accept(alice, bob, placed.resp.callId);
    await hangup(alice, bob);

    // the socket that connected during the pause is admitted after it, and others see it
    const connected = await outcome(carol);
    assert.ok(connected.at >= resumedAt, 'carol was connected before Redis was resumed');
    const ice = await once(connected.s, 'iceServers');
    assert.ok(Array.isArray(ice.iceServers) && ice.iceServers.length > 0, `iceServers on connect: ${JSON.stringify(ice)}`);
    assert.deepEqual(await ack(bob, 'checkOnline', { userIds: [connected.s.userId] }),
      { ok: true, online: { [connected.s.userId]: true } });

    // the flood: beyond the bound refused at once with RATE_LIMITED, the rest answered after the pause
    const results = await Promise.all(flood.map(outcome));
    const refused = results.filter((r) => r.resp.ok === false);
    const served = results.filter((r) => r.resp.ok === true);
    t.diagnostic(`flood of ${FLOOD} with Redis paused: ${refused.length} refused, ${served.length} served`);
    refused.forEach((r) => {
      assertErrorAck(r.resp, 'RATE_LIMITED');
      assert.ok(r.at < resumedAt, 'refused while Redis was paused, without waiting for it');
    });
    assert.ok(refused.length >= FLOOD - MAX_WAITING - 1 && refused.length <= FLOOD - MAX_WAITING,
      `one running and ${MAX_WAITING} waiting are kept, the rest refused: ${refused.length} refused`);
    served.forEach((r) => {
      assert.deepEqual(r.resp, { ok: true, online: { [bob.userId]: true } });
      assert.ok(r.at >= resumedAt);
    });
    assert.ok(mallory.connected, 'the flooding socket is refused, not dropped');
    assert.deepEqual(await ack(mallory, 'checkOnline', { userIds: [alice.userId] }), { ok: true, online: { [alice.userId]: true } });
  }));

'use strict';
// dialtone.signaling.event-loops above one: the sockets of a call are then served by different
// threads, and every event to the other party is handed over to its thread. Calls, candidates and
// hang-ups still arrive whole and in order (the default of one loop is what every other file runs).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, scenario, once, offer, candidate, TEST_TIMEOUT } = require('../harness');
const { connectCall, hangup } = require('../flows');

const LOOPS = 4;
const PAIRS = 12; // with 4 loops, most pairs get their two sockets on different threads
let srv;
before(async () => { srv = await startServer({ props: { 'dialtone.signaling.event-loops': LOOPS } }); });
after(async () => { if (srv) await srv.stop(); });

test(`${PAIRS} pairs call at once across ${LOOPS} event loops: offers, answers and candidates arrive unchanged`,
  { timeout: TEST_TIMEOUT }, scenario(() => srv, async (h) => {
    const pairs = [];
    for (let i = 0; i < PAIRS; i++) {
      pairs.push([await h.connect(h.id(`a${i}`)), await h.connect(h.id(`b${i}`))]);
    }
    await Promise.all(pairs.map(async ([a, b], i) => {
      for (let round = 0; round < 3; round++) {
        await connectCall(a, b.userId, [b], 0, { signalData: offer(2000 + 97 * i), callType: 'video' });
        const fromA = candidate(10 * i + round);
        a.emit('iceCandidate', { to: b.userId, candidate: fromA });
        assert.deepEqual(await once(b, 'iceCandidate'), { from: a.userId, candidate: fromA });
        const fromB = candidate(1000 + 10 * i + round);
        b.emit('iceCandidate', { to: a.userId, candidate: fromB });
        assert.deepEqual(await once(a, 'iceCandidate'), { from: b.userId, candidate: fromB });
        await hangup(round % 2 ? a : b, round % 2 ? b : a);
      }
    }));
  }));

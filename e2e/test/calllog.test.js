'use strict';
// The INFO lines an operator reads about calls, on one node and on two nodes sharing a real
// redis-server: placed, answered, ended with the reason and how long it rang or talked, by call
// id and user ids only; never an offer, an answer, a candidate or a token.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startNode, startCluster, Scope, ack, once, candidate, sleep, TEST_TIMEOUT } = require('../harness');
const { connectCall, ring, hangup } = require('../flows');

/** Waits (bounded) until the nodes' logs together have a line matching each of `res`; returns all lines. */
async function logLines(nodes, res, ms = 8000) {
  const t0 = Date.now();
  for (;;) {
    const lines = nodes.flatMap((n) => fs.readFileSync(n.logFile, 'utf8').split('\n'));
    const missing = res.filter((re) => !lines.some((l) => re.test(l)));
    if (missing.length === 0) return lines;
    if (Date.now() - t0 > ms) assert.fail(`no log line matching ${missing.join(', ')} within ${ms} ms\n${lines.slice(-40).join('\n')}`);
    await sleep(50);
  }
}

async function callsAreLogged(callerNode, calleeNode, nodes) {
  const onCaller = new Scope(callerNode);
  const onCallee = new Scope(calleeNode);
  try {
    const alice = await onCaller.connect(onCaller.id('alice'));
    const bob = await onCallee.connect(onCallee.id('bob'));
    const talked = await connectCall(alice, bob.userId, [bob], 0, { callType: 'video' });
    assert.deepEqual(await ack(alice, 'iceCandidate', { to: bob.userId, candidate: candidate(7) }), { ok: true });
    await once(bob, 'iceCandidate');
    await sleep(1100); // so that the talk time reads at least 1.0 s
    await hangup(bob, alice);
    const declined = await ring(alice, bob.userId, [bob]);
    assert.deepEqual(await ack(bob, 'rejectCall', { to: alice.userId }), { ok: true });
    await once(alice, 'callRejected');

    const a = alice.userId;
    const b = bob.userId;
    const lines = await logLines(nodes, [
      new RegExp(`INFO .*call ${talked.callId} placed: ${a} -> ${b} \\(video\\), ringing on 1 socket\\(s\\)$`),
      new RegExp(`INFO .*call ${talked.callId} answered after \\d+\\.\\d s$`),
      new RegExp(`INFO .*call ${talked.callId} ended: hangup \\(${a} -> ${b}\\), connected for ([1-9]\\d*)\\.\\d s$`),
      new RegExp(`INFO .*call ${declined.callId} placed: ${a} -> ${b} \\(voice\\)`),
      new RegExp(`INFO .*call ${declined.callId} ended: declined \\(${a} -> ${b}\\), unanswered after \\d+\\.\\d s$`),
    ]);
    const log = lines.join('\n');
    for (const token of [onCaller.token(a), onCallee.token(b)]) assert.ok(!log.includes(token.split('.')[2]), 'no token signature in the log');
    for (const sdp of [talked.signalData.sdp]) {
      const pwd = sdp.split('\r\n').find((l) => l.startsWith('a=ice-pwd:'));
      assert.ok(!log.includes(pwd), 'no offer in the log');
    }
    assert.ok(!log.includes(candidate(7).candidate), 'no candidate in the log');
  } finally {
    await onCaller.close();
    await onCallee.close();
  }
}

test('calls are logged at INFO on one node: placed, answered, ended with reason and duration', { timeout: TEST_TIMEOUT }, async () => {
  const srv = await startNode();
  try {
    await callsAreLogged(srv, srv, [srv]);
  } finally {
    await srv.stop();
  }
});

test('calls across two nodes are logged the same way, the end on the node that saw it', { timeout: TEST_TIMEOUT }, async () => {
  const cluster = await startCluster();
  try {
    await callsAreLogged(cluster.nodes[0], cluster.nodes[1], cluster.nodes);
  } finally {
    await cluster.stop();
  }
});

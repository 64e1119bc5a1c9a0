'use strict';
// The Docker image as a relay-only node (docs/relay.md, "A relay-only node"): the same image, started
// with dialtone.signaling.enabled = false and the AOT cache off through JDK_JAVA_OPTIONS, and only the
// TURN secret the signaling nodes share. docker/ci-smoke.sh starts it with its own network namespace
// (loopback only) and runs this file inside that namespace, so coturn's client and echo peer here
// reach the container and nothing else. The tests run in order and end by stopping it.
//
// Environment: DIALTONE_RELAY_CONTAINER (name), DOCKER (client), DIALTONE_TURN_SECRET (the container's).
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { tcpProbe, freePort } = require('../harness');
const { uclient, echoPeer } = require('../uclient');
const { env, container } = require('./container');

const CONTAINER = env('DIALTONE_RELAY_CONTAINER');
const turnSecret = env('DIALTONE_TURN_SECRET');
const HTTP_PORT = 8080; // the image's default

const { docker, inspect, logs, ready, healthy } = container(CONTAINER);
let peer;

after(() => { if (peer) peer.kill(); });

test('answers /readyz as a relay-only node, with no signaling port bound', async (t) => {
  const took = await ready(HTTP_PORT);
  t.diagnostic(`ready ${took} ms after the checks began`);
  assert.match(await logs(), /Dialtone started as a relay-only node/);
  assert.equal(await tcpProbe(4002), false, 'nothing listens on the signaling port');
  const page = await fetch(`http://127.0.0.1:${HTTP_PORT}/`);
  assert.equal(page.status, 404, 'no test-call page on a relay-only node');
});

test('coturn\'s client relays through it over UDP and TCP, 0 loss, with credentials from the shared secret', async () => {
  const peerPort = await freePort();
  peer = await echoPeer(peerPort);
  const udp = await uclient({ port: 3478, peerPort, secret: turnSecret });
  assert.equal(udp.sent, 100, udp.output);
  assert.equal(udp.received, 100, `messages relayed over UDP and back\n${udp.output}`);
  const tcp = await uclient({ port: 3478, peerPort, secret: turnSecret, extra: ['-t'] });
  assert.equal(tcp.sent, 100, tcp.output);
  assert.equal(tcp.received, 100, `messages relayed over TCP and back\n${tcp.output}`);
});

test('the HEALTHCHECK turns healthy', async (t) => {
  const took = await healthy();
  t.diagnostic(`healthy ${took} ms after the checks began`);
});

test('docker stop: the container exits 0 on its own, and the TURN secret never appears in its log', async () => {
  await docker('stop', CONTAINER);
  assert.equal(await inspect('{{.State.ExitCode}}'), '0', 'exit code 0, not 137 (SIGKILL) or 1 (drain watchdog)');
  const log = await logs();
  assert.match(log, /Dialtone stopped/);
  assert.doesNotMatch(log, new RegExp(turnSecret), 'the TURN secret never appears in the log');
});

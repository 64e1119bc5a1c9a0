'use strict';
// The Docker image as an operator runs it. docker/ci-smoke.sh starts the container with its own
// network namespace (loopback only) and runs this file inside that namespace (nsenter --net), so
// every connection here reaches the container and nothing else; `docker` reaches the private
// daemon over its unix socket. The tests run in order on one container and end by stopping it.
//
// Environment: DIALTONE_CONTAINER (name), DOCKER (client), DIALTONE_JWT_SECRET and
// DIALTONE_TURN_SECRET (the container's), DIALTONE_HTTP_PORT and DIALTONE_TURN_URLS (set through
// JDK_JAVA_OPTIONS when it was started).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('jsonwebtoken');
const { Scope, once, ack, turnCredential } = require('../harness');
const { connectCall } = require('../flows');
const { env, container, WAIT } = require('./container');

const CONTAINER = env('DIALTONE_CONTAINER');
const HTTP_PORT = Number(env('DIALTONE_HTTP_PORT'));
const TURN_URLS = JSON.parse(env('DIALTONE_TURN_URLS'));
const jwtSecret = env('DIALTONE_JWT_SECRET');
const turnSecret = env('DIALTONE_TURN_SECRET');

const { docker, inspect, logs, ready, healthy } = container(CONTAINER);

const srv = {
  url: 'http://127.0.0.1:4002',
  userClaim: 'sub',
  turnSecret,
  turnUrls: TURN_URLS,
  token: (userId) => jwt.sign({ sub: userId }, jwtSecret, { algorithm: 'HS256', expiresIn: '10m' }),
};
const scope = new Scope(srv);
let alice;
let bob;

test('answers /readyz on the HTTP port set in JDK_JAVA_OPTIONS, as the unprivileged user', async (t) => {
  const took = await ready(HTTP_PORT);
  t.diagnostic(`ready ${took} ms after the checks began`);
  const body = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/readyz`)).text();
  assert.equal(body, 'ready\n');
  // PID 1 is the JVM itself (exec form, no shell in between), as the image's user
  const pid1 = (await docker('exec', CONTAINER, 'cat', '/proc/1/cmdline')).stdout.split('\0').join(' ');
  assert.match(pid1, /^java .*-jar \/opt\/dialtone\/dialtone\.jar/, `PID 1: ${pid1}`);
  assert.equal((await docker('exec', CONTAINER, 'id', '-un')).stdout, 'dialtone');
});

test('a Socket.IO call between two real clients, with the TURN URLs given in JDK_JAVA_OPTIONS unchanged', async () => {
  alice = await scope.connect('alice');
  bob = await scope.connect('bob');
  const servers = await once(alice, 'iceServers');
  assert.deepEqual(servers.iceServers[0].urls, TURN_URLS, 'a `?` in a URL reaches the server as written');
  assert.equal(servers.iceServers[0].credential, turnCredential(turnSecret, servers.iceServers[0].username));
  const online = await ack(alice, 'checkOnline', { userIds: ['bob'] });
  assert.deepEqual(online, { ok: true, online: { bob: true } });
  await connectCall(alice, 'bob', [bob]);
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  assert.deepEqual(await ack(alice, 'iceCandidate', { to: 'bob', candidate }), { ok: true });
  assert.deepEqual(await once(bob, 'iceCandidate'), { from: 'alice', candidate });
});

test('the HEALTHCHECK turns healthy, asking the configured port', async (t) => {
  const took = await healthy();
  t.diagnostic(`healthy ${took} ms after the checks began`);
  const health = JSON.parse(await inspect('{{json .State.Health}}'));
  const last = health.Log[health.Log.length - 1];
  assert.equal(last.ExitCode, 0);
  assert.match(last.Output, new RegExp(`healthy: http://127\\.0\\.0\\.1:${HTTP_PORT}/readyz answered 200 ready`));
});

test('docker stop drains: both parties get callEnded, the container exits 0 on its own', async (t) => {
  const t0 = Date.now();
  const stopping = docker('stop', CONTAINER); // the container's own --stop-timeout, as documented
  assert.deepEqual(await once(alice, 'callEnded', WAIT.stop), { from: 'bob', reason: 'disconnected' });
  assert.deepEqual(await once(bob, 'callEnded', WAIT.stop), { from: 'alice', reason: 'disconnected' });
  await stopping;
  t.diagnostic(`docker stop returned after ${Date.now() - t0} ms`);
  assert.equal(await inspect('{{.State.ExitCode}}'), '0', 'exit code 0, not 137 (SIGKILL) or 1 (drain watchdog)');
  assert.equal(await inspect('{{.State.OOMKilled}}'), 'false');
  const log = await logs();
  assert.match(log, /SIGTERM received: draining/);
  assert.match(log, /Dialtone stopped/);
  assert.doesNotMatch(log, new RegExp(jwtSecret), 'the JWT secret never appears in the log');
  assert.doesNotMatch(log, new RegExp(turnSecret), 'the TURN secret never appears in the log');
  await scope.close();
});

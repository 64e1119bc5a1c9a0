'use strict';
// What an operator sees when the start-up is refused: the real jar, real files, real -D options,
// a real environment variable and a port really taken. Every refusal is exit code 2 with one line
// per reason, naming the setting, where it was set or its value, and what to do; no stack trace.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { io } = require('socket.io-client');
const jwt = require('jsonwebtoken');
const { freePort, startNode, TEST_TIMEOUT } = require('../harness');
const { runJar } = require('../jar');

const secret = () => crypto.randomBytes(24).toString('hex');

/** Settings that let a start get as far as it can on this shared machine: free ports, loopback. */
async function baseProps() {
  return {
    'dialtone.signaling.host': '127.0.0.1',
    'dialtone.signaling.port': await freePort(),
    'dialtone.http.host': '127.0.0.1',
    'dialtone.http.port': await freePort(),
    'dialtone.relay.enabled': 'false',
    'dialtone.auth.jwt-secret': secret(),
    'dialtone.turn.secret': secret(),
  };
}

/** Runs the jar, expects it to refuse the start; returns its output's lines. */
async function refused(opts) {
  const jar = runJar(opts);
  const { code } = await jar.exit();
  const out = jar.output();
  assert.equal(code, 2, `expected exit code 2\n--- output ---\n${out}`);
  assert.doesNotMatch(out, /Exception|^\s+at /m, `no stack trace expected\n--- output ---\n${out}`);
  return out.split('\n').filter((l) => l.includes('cannot start') || l.startsWith('dialtone'));
}

test('typos in a file, a -D option and the environment exit 2 naming the key, its source and the closest key', { timeout: TEST_TIMEOUT }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-conf-'));
  const file = path.join(dir, 'dialtone.conf');
  fs.writeFileSync(file, 'dialtone {\n  signalling.port = 4100\n  relay.min_port = 50000\n}\n');
  try {
    const lines = await refused({
      props: { ...(await baseProps()), 'config.file': file, 'config.override_with_env_vars': 'true',
        'dialtone.signaling.ring-timout': '5s', 'dialtone.turn.urls.0': 'stun:127.0.0.1:3478' },
      env: { CONFIG_FORCE_dialtone_auth_user__clam: 'uid' },
    });
    const expected = [
      `unknown setting dialtone.signalling.port (${file} line 2): did you mean dialtone.signaling.port?`,
      `unknown setting dialtone.relay.min_port (${file} line 3): did you mean dialtone.relay.min-port?`,
      'unknown setting dialtone.signaling.ring-timout (system property -Ddialtone.signaling.ring-timout): did you mean dialtone.signaling.ring-timeout?',
      'unknown setting dialtone.auth.user-clam (environment variable CONFIG_FORCE_dialtone_auth_user__clam): did you mean dialtone.auth.user-claim?',
    ];
    for (const e of expected) assert.ok(lines.some((l) => l.endsWith(`cannot start: ${e}`)), `missing: ${e}\n--- lines ---\n${lines.join('\n')}`);
    assert.equal(lines.length, expected.length, `only the typos are refused (turn.urls.0 is a list override)\n${lines.join('\n')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing -Dconfig.file is one clear line and exit 2', { timeout: TEST_TIMEOUT }, async () => {
  const lines = await refused({ props: { 'config.file': '/nonexistent/dialtone.conf' } });
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /cannot start: -Dconfig\.file=\/nonexistent\/dialtone\.conf: not found; give the path of an existing HOCON file/);
});

test('a wrong type names the full key, the value and the expected type', { timeout: TEST_TIMEOUT }, async () => {
  const lines = await refused({ props: { ...(await baseProps()), 'dialtone.signaling.port': 'abc' } });
  assert.deepEqual(lines.map((l) => l.replace(/^.*cannot start: /, '')),
    ['dialtone.signaling.port = "abc" (system property -Ddialtone.signaling.port): expected a whole number']);
});

for (const [service, key, props, words] of [
  ['signaling', 'dialtone.signaling.port', {}, 'the Socket.IO signaling service'],
  ['HTTP', 'dialtone.http.port', {}, 'the HTTP server: health, metrics, test-call page'],
  // The relay binds UDP first; the TCP listener on the same port number is the one refused.
  ['relay', 'dialtone.relay.port', { 'dialtone.relay.enabled': 'true', 'dialtone.relay.listen-addresses.0': '127.0.0.1',
    'dialtone.relay.tls-port': 0, 'dialtone.relay.relay-address': '127.0.0.1' }, 'the TURN relay, TCP'],
]) {
  test(`a taken ${service} port names the port, the key and the service that wanted it`, { timeout: TEST_TIMEOUT }, async () => {
    const holder = net.createServer();
    await new Promise((resolve, reject) => { holder.once('error', reject); holder.listen(0, '127.0.0.1', resolve); });
    const { port } = holder.address();
    try {
      const lines = await refused({ props: { ...(await baseProps()), ...props, [key]: port } });
      assert.deepEqual(lines.map((l) => l.replace(/^.*cannot start: /, '')),
        [`${key} = ${port}: 127.0.0.1:${port} is already in use (${words} wanted it); stop what holds the port or set ${key} to a free one`]);
    } finally {
      holder.close();
    }
  });
}

test('an address that is not this machine\'s names the host key and the service', { timeout: TEST_TIMEOUT }, async () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a host, so the bind itself fails; nothing is sent.
  const props = await baseProps();
  const lines = await refused({ props: { ...props, 'dialtone.signaling.host': '192.0.2.1' } });
  const port = props['dialtone.signaling.port'];
  assert.deepEqual(lines.map((l) => l.replace(/^.*cannot start: /, '')),
    [`dialtone.signaling.host = 192.0.2.1: not an address of this machine (the Socket.IO signaling service wanted 192.0.2.1:${port}); give one of its addresses, 127.0.0.1 or 0.0.0.0`]);
});

test('a missing TLS certificate says "not found" and names the key', { timeout: TEST_TIMEOUT }, async () => {
  const lines = await refused({ props: { ...(await baseProps()), 'dialtone.relay.enabled': 'true',
    'dialtone.relay.tls-cert-file': '/nope/cert.pem', 'dialtone.relay.tls-key-file': '/nope/key.pem' } });
  assert.deepEqual(lines.map((l) => l.replace(/^.*cannot start: /, '')),
    ['dialtone.relay.tls-cert-file = /nope/cert.pem: not found; give the path of a PEM file (or leave both TLS files empty for a self-signed certificate)']);
});

test('a certificate file that holds no certificate is named before anything listens', { timeout: TEST_TIMEOUT }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-pem-'));
  const pem = path.join(dir, 'not-a-cert.pem');
  fs.writeFileSync(pem, 'this is not PEM\n');
  try {
    const jar = runJar({ props: { ...(await baseProps()), 'dialtone.relay.enabled': 'true', 'dialtone.relay.listen-addresses.0': '127.0.0.1',
      'dialtone.relay.port': await freePort(), 'dialtone.relay.tls-port': await freePort(),
      'dialtone.relay.tls-cert-file': pem, 'dialtone.relay.tls-key-file': pem } });
    const { code } = await jar.exit();
    const out = jar.output();
    assert.equal(code, 2, out);
    assert.ok(out.includes(`cannot start: dialtone.relay.tls-cert-file = ${pem}, tls-key-file = ${pem}: no certificate in ${pem};`
      + ' give a PEM certificate chain and its unencrypted PEM private key'), out);
    assert.doesNotMatch(out, /listening/, `nothing may listen before the TLS files are read\n${out}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('edge port certificate files: missing or holding no certificate stop the start before anything listens', { timeout: TEST_TIMEOUT }, async () => {
  const missing = await refused({ props: { ...(await baseProps()), 'dialtone.edge.port': await freePort(),
    'dialtone.edge.cert-file': '/nope/fullchain.pem', 'dialtone.edge.key-file': '/nope/privkey.pem' } });
  assert.deepEqual(missing.map((l) => l.replace(/^.*cannot start: /, '')),
    ['dialtone.edge.cert-file = /nope/fullchain.pem: not found; give the path of a PEM file (certbot: fullchain.pem and privkey.pem)']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-pem-'));
  const pem = path.join(dir, 'not-a-cert.pem');
  fs.writeFileSync(pem, 'this is not PEM\n');
  try {
    const jar = runJar({ props: { ...(await baseProps()), 'dialtone.edge.port': await freePort(),
      'dialtone.edge.cert-file': pem, 'dialtone.edge.key-file': pem } });
    const { code } = await jar.exit();
    const out = jar.output();
    assert.equal(code, 2, out);
    assert.ok(out.includes(`cannot start: dialtone.edge.cert-file = ${pem}, key-file = ${pem}: no certificate in ${pem};`), out);
    assert.doesNotMatch(out, /listening/, `nothing may listen before the edge's TLS files are read\n${out}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a too-short JWT secret is reported before anything listens', { timeout: TEST_TIMEOUT }, async () => {
  const props = { ...(await baseProps()), 'dialtone.relay.enabled': 'true', 'dialtone.relay.listen-addresses.0': '127.0.0.1',
    'dialtone.relay.port': await freePort(), 'dialtone.relay.tls-port': 0, 'dialtone.auth.jwt-secret': 'too-short' };
  const jar = runJar({ props });
  const { code } = await jar.exit();
  const out = jar.output();
  assert.equal(code, 2, out);
  assert.match(out, /cannot start: dialtone\.auth\.jwt-secret has 9 bytes; HS256 needs at least 32/);
  assert.doesNotMatch(out, /listening/, `nothing may listen before the secret is checked\n${out}`);
  assert.doesNotMatch(out, /too-short/, 'the secret itself is never logged');
});

test('the token command prints a token the server accepts, for the configured claim and lifetime', { timeout: TEST_TIMEOUT }, async () => {
  const jwtSecret = secret();
  const cmd = runJar({ args: ['token', 'alice', '--ttl', '10m'], env: { DIALTONE_JWT_SECRET: jwtSecret },
    props: { 'dialtone.auth.user-claim': 'uid' } });
  const { code } = await cmd.exit();
  assert.equal(code, 0, cmd.output());
  const token = cmd.stdout().trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `stdout must be the token alone, got ${JSON.stringify(cmd.stdout())}`);
  const claims = jwt.verify(token, jwtSecret, { algorithms: ['HS256'] });
  assert.equal(claims.uid, 'alice');
  assert.equal(claims.exp - claims.iat, 600);

  const srv = await startNode({ userClaim: 'uid', props: { 'dialtone.auth.jwt-secret': jwtSecret } });
  const socket = io(srv.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    const ice = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no iceServers within 8 s')), 8000);
      socket.once('iceServers', (p) => { clearTimeout(timer); resolve(p); });
      socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`connect_error ${e.message}`)); });
    });
    assert.ok(Array.isArray(ice.iceServers) && ice.iceServers.length > 0, JSON.stringify(ice));
    assert.match(ice.iceServers[0].username || ice.iceServers[1].username, /:alice$/);
  } finally {
    socket.disconnect();
    await srv.stop();
  }
});

test('the token command refuses with exit 2 when no secret is configured', { timeout: TEST_TIMEOUT }, async () => {
  const cmd = runJar({ args: ['token', 'alice'] });
  const { code } = await cmd.exit();
  assert.equal(code, 2, cmd.output());
  assert.equal(cmd.stdout(), '', 'nothing on stdout: a script must not take the message for a token');
  assert.match(cmd.output(), /dialtone token: no JWT secret configured: set DIALTONE_JWT_SECRET \(or dialtone\.auth\.jwt-secret\)/);

  const usage = runJar({ args: ['token'], env: { DIALTONE_JWT_SECRET: secret() } });
  assert.equal((await usage.exit()).code, 2);
  assert.match(usage.output(), /usage: java -jar dialtone\.jar token <userId> \[--ttl 1h\]/);
});

test('DEBUG logs do not list the JDK\'s root certificates', { timeout: TEST_TIMEOUT }, async () => {
  // TLS set-up (the relay's self-signed certificate) is what made the JDK log every root at DEBUG.
  const jar = runJar({ env: { DIALTONE_LOG_LEVEL: 'DEBUG' }, props: { ...(await baseProps()), 'dialtone.relay.enabled': 'true',
    'dialtone.relay.listen-addresses.0': '127.0.0.1', 'dialtone.relay.port': await freePort(), 'dialtone.relay.tls-port': await freePort() } });
  try {
    await jar.waitFor(/Dialtone started/);
    const out = jar.output();
    assert.match(out, /DEBUG/, 'DEBUG is on');
    assert.match(out, /TLS port \d+/, 'TLS was set up');
    assert.doesNotMatch(out, /X509Certificate/);
  } finally {
    await jar.stop();
  }
});

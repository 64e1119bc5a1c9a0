'use strict';
// Trial mode as a new user meets it: the real jar started with no secret at all, one log line with
// the URL to open, development tokens from /dev/token, two real socket.io clients calling each
// other, the relay usable with loopback peers (real coturn tools), everything on 127.0.0.1 only,
// and INFO lines for connects and the call without a token or payload in them. Setting the
// secrets (production mode) switches it all off.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { spawn, execFile } = require('node:child_process');
const { io } = require('socket.io-client');
const { freePort, offer, answer, sleep, TEST_TIMEOUT } = require('../harness');
const { runJar } = require('../jar');

const WAIT = 8000;

function next(socket, event, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    socket.once(event, (payload) => { clearTimeout(timer); resolve(payload); });
  });
}

function emitAck(socket, event, payload, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for '${event}' within ${ms} ms`)), ms);
    socket.emit(event, payload, (resp) => { clearTimeout(timer); resolve(resp); });
  });
}

async function connect(url, token) {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const ice = next(socket, 'iceServers');
  await Promise.race([next(socket, 'connect'), next(socket, 'connect_error').then((e) => { throw new Error(`connect_error ${e.message}`); })]);
  return { socket, ice: await ice };
}

async function devToken(httpPort, user) {
  const r = await fetch(`http://127.0.0.1:${httpPort}/dev/token?user=${user}`);
  const body = await r.text();
  assert.equal(r.status, 200, `/dev/token?user=${user}: HTTP ${r.status} ${body}`);
  return JSON.parse(body).token;
}

/** Local addresses (hex, as /proc/net shows them) of the sockets bound to `port`. */
function boundAddresses(port, files) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found = [];
  for (const f of files) {
    for (const line of fs.readFileSync(`/proc/net/${f}`, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local && local.endsWith(`:${hexPort}`)) found.push(`${f} ${local.split(':')[0]}`);
    }
  }
  return found;
}
const LOOPBACK_HEX = /^(tcp|udp) 0100007F$|^(tcp6|udp6) 0000000000000000FFFF00000100007F$/;

/** Runs a coturn tool to completion (bounded); resolves with its output. */
function tool(cmd, args, ms = 30000) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: ms }, (err, stdout, stderr) => resolve({ err, output: `${stdout}${stderr}` }));
  });
}

/** The jar with no secret (trial mode) on free ports, TLS off; returns { jar, ports }. */
async function startTrial() {
  const ports = { signaling: await freePort(), http: await freePort(), relay: await freePort() };
  const jar = runJar({ props: {
    'dialtone.signaling.port': ports.signaling,
    'dialtone.http.port': ports.http,
    'dialtone.relay.port': ports.relay,
    'dialtone.relay.tls-port': 0,
    // asked for, as an operator's file may: trial mode turns the call-path warm-up off all the same
    'dialtone.signaling.warmup.calls': 20000,
  } });
  return { jar, ports };
}

test('with no secrets the server starts in trial mode: one URL line, dev tokens, a call and the relay on 127.0.0.1', { timeout: 120000 }, async () => {
  const { jar, ports } = await startTrial();
  ports.peer = await freePort();
  let peer;
  const sockets = [];
  try {
    const url = `http://127.0.0.1:${ports.http}/`;
    await jar.waitFor(/TRIAL MODE/);
    const urlLines = jar.output().split('\n').filter((l) => l.includes(url));
    assert.equal(urlLines.length, 1, `one line with the URL to open\n${jar.output()}`);
    assert.match(urlLines[0], /open http:\/\/127\.0\.0\.1:\d+\/ in two tabs/);
    assert.doesNotMatch(jar.output(), /NO SECRET CONFIGURED/, 'trial mode says it once, in the URL line');

    // Only this machine can reach it: every listener is bound to 127.0.0.1.
    for (const [name, port, files] of [['signaling', ports.signaling, ['tcp', 'tcp6']], ['http', ports.http, ['tcp', 'tcp6']],
      ['relay', ports.relay, ['tcp', 'tcp6', 'udp', 'udp6']]]) {
      const bound = boundAddresses(port, files);
      assert.ok(bound.length > 0, `${name}: nothing bound to port ${port}`);
      for (const b of bound) assert.match(b, LOOPBACK_HEX, `${name} port ${port} bound beyond loopback: ${bound.join(', ')}`);
    }

    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    const aliceToken = await devToken(ports.http, 'alice');
    const bobToken = await devToken(ports.http, 'bob');
    const signalingUrl = `http://127.0.0.1:${ports.signaling}`;
    const alice = await connect(signalingUrl, aliceToken);
    const bob = await connect(signalingUrl, bobToken);
    sockets.push(alice.socket, bob.socket);

    const turn = alice.ice.iceServers.find((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => u.startsWith('turn:')));
    assert.ok(turn, JSON.stringify(alice.ice));
    const urls = Array.isArray(turn.urls) ? turn.urls : [turn.urls];
    assert.ok(urls.includes(`turn:127.0.0.1:${ports.relay}?transport=udp`), `relay advertised on 127.0.0.1: ${JSON.stringify(urls)}`);

    // A call between the two.
    const theOffer = offer(1500);
    const incoming = next(bob.socket, 'incomingCall');
    const placed = await emitAck(alice.socket, 'callUser', { to: 'bob', signalData: theOffer, callType: 'video' });
    assert.equal(placed.ok, true, JSON.stringify(placed));
    const call = await incoming;
    assert.equal(call.from, 'alice');
    const accepted = next(alice.socket, 'callAccepted');
    const theAnswer = answer(1500);
    assert.equal((await emitAck(bob.socket, 'answerCall', { to: 'alice', signalData: theAnswer })).ok, true);
    assert.deepEqual(await accepted, theAnswer);
    const ended = next(bob.socket, 'callEnded');
    assert.equal((await emitAck(alice.socket, 'endCall', { to: 'bob' })).ok, true);
    assert.deepEqual(await ended, { from: 'alice', reason: 'hangup' });

    // The relay takes the trial's credentials and relays to a peer on this machine.
    peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(ports.peer)], { stdio: 'ignore' });
    await sleep(300);
    const uclient = await tool('turnutils_uclient', ['-X', '-c', '-p', String(ports.relay), '-u', turn.username, '-w', turn.credential,
      '-m', '1', '-n', '20', '-l', '120', '-z', '5', '-e', '127.0.0.1', '-r', String(ports.peer), '127.0.0.1']);
    const totals = [...uclient.output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
    assert.ok(totals, `no totals from turnutils_uclient\n${uclient.output.slice(-3000)}`);
    assert.equal(Number(totals[1]), 20, uclient.output.slice(-3000));
    assert.equal(Number(totals[2]), 20, `messages relayed through 127.0.0.1 and back\n${uclient.output.slice(-3000)}`);

    // INFO lines an operator can read: connects, the call placed, answered, ended, disconnects.
    alice.socket.disconnect();
    bob.socket.disconnect();
    const id = call.callId;
    await jar.waitFor(/disconnected user=alice socket=\S+ transport=WEBSOCKET from \/127\.0\.0\.1:\d+/);
    await jar.waitFor(/disconnected user=bob /);
    const log = jar.output();
    for (const re of [
      /INFO .*connected user=alice socket=\S+ transport=WEBSOCKET from \/127\.0\.0\.1:\d+/,
      /INFO .*connected user=bob socket=\S+ transport=WEBSOCKET from \/127\.0\.0\.1:\d+/,
      new RegExp(`INFO .*call ${id} placed: alice -> bob \\(video\\), ringing on 1 socket\\(s\\)`),
      new RegExp(`INFO .*call ${id} answered after \\d+\\.\\d s`),
      new RegExp(`INFO .*call ${id} ended: hangup \\(alice -> bob\\), connected for \\d+\\.\\d s`),
    ]) assert.match(log, re);
    // the call above went through the signaling port, which opens only after a warm-up
    assert.doesNotMatch(log, /warming up|warmed up|warm-up/, 'a trial starts at once, without the warm-up');
    const icePwd = (sdp) => sdp.split('\r\n').find((l) => l.startsWith('a=ice-pwd:'));
    for (const secret of [aliceToken, bobToken, turn.credential, icePwd(theOffer.sdp), icePwd(theAnswer.sdp)]) {
      assert.ok(!log.includes(secret), `the log must not contain ${secret.slice(0, 40)}...`);
    }
  } finally {
    sockets.forEach((s) => s.disconnect());
    if (peer) peer.kill('SIGKILL');
    await jar.stop();
  }
});

test('with the secrets set (production mode) there is no trial: no /dev/token, no URL line', { timeout: TEST_TIMEOUT }, async () => {
  const httpPort = await freePort();
  const jar = runJar({
    env: { DIALTONE_JWT_SECRET: crypto.randomBytes(24).toString('hex'), DIALTONE_TURN_SECRET: crypto.randomBytes(24).toString('hex') },
    props: { 'dialtone.signaling.port': await freePort(), 'dialtone.http.port': httpPort, 'dialtone.relay.enabled': 'false' },
  });
  try {
    await jar.waitFor(/Dialtone started/);
    const r = await fetch(`http://127.0.0.1:${httpPort}/dev/token?user=alice`);
    assert.equal(r.status, 404);
    assert.doesNotMatch(jar.output(), /TRIAL MODE|DEV TOKENS ENABLED/);
  } finally {
    await jar.stop();
  }
});

test('trial mode: the printed URL in two browser windows, a video call through the relay', { timeout: 120000 }, async () => {
  const { launchChromium, openPage } = require('../browser/stack');
  const { waitState, waitStats, describePages } = require('../browser/rtc');
  const { jar, ports } = await startTrial();
  let browser;
  const pages = [];
  try {
    await jar.waitFor(/TRIAL MODE/);
    const [url] = jar.output().match(/http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(url, `http://127.0.0.1:${ports.http}/`, 'the URL the log line prints');
    browser = await launchChromium();
    // as a person does: open the URL in two windows, type a name in each, connect
    for (const user of ['alice', 'bob']) {
      const page = await openPage(await browser.newContext(), url, user);
      pages.push(page);
      await page.fill('#user', user);
      await page.click('#connect');
      await waitState(page, (s) => s.connection === 'connected', 10000, 'signaling connected');
    }
    const [alice, bob] = pages;
    await alice.fill('#callee', 'bob');
    await alice.check('input[name=callType][value=video]');
    await alice.check('#relay-only');
    await bob.check('#relay-only');
    await alice.click('#call');
    await bob.locator('#accept').waitFor({ state: 'visible', timeout: 5000 });
    await bob.click('#accept');
    for (const p of pages) {
      await waitState(p, (s) => s.ice === 'connected' || s.ice === 'completed', 20000, 'ICE connected through the relay');
      const s = await waitStats(p, (x) => x.pair && x.pair.state === 'succeeded' && x.videoFrames > 0, 15000,
        'decoded video frames on a succeeded pair');
      assert.equal(s.pair.local.candidateType, 'relay', `${p.label}: the selected pair goes through the trial relay`);
    }
  } catch (e) {
    e.message += `\n${await describePages(pages).catch(() => '')}\n--- jar output ---\n${jar.output().slice(-3000)}`;
    throw e;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await jar.stop();
  }
});

'use strict';
// A throwaway redis-server (Debian's package) on a free loopback port, for the cluster tests and
// bench: no persistence, killed when the test process exits whatever happens.
const { spawn } = require('node:child_process');
const { freePort, sleep } = require('./harness');
const net = require('node:net');

const START_TIMEOUT = 10000;

/** Sends PING, resolves true on +PONG (bounded). */
function ping(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => { c.destroy(); resolve(ok); };
    c.setTimeout(1000, () => done(false));
    c.once('error', () => done(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => done(String(d).startsWith('+PONG')));
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = false;
  const exitP = new Promise((r) => child.once('exit', () => { exited = true; r(); }));
  const kill = () => { if (!exited) { try { child.kill('SIGKILL'); } catch (_) { /* gone */ } } };
  process.on('exit', kill);
  const t0 = Date.now();
  while (!(await ping(port))) {
    if (exited || Date.now() - t0 > START_TIMEOUT) {
      kill();
      throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${START_TIMEOUT} ms:\n${output.slice(-2000)}`);
    }
    await sleep(50);
  }
  return {
    port,
    pid: child.pid, // for a test that pauses it (SIGSTOP/SIGCONT)
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      kill();
      await Promise.race([exitP, sleep(2000)]);
    },
  };
}

module.exports = { startRedis };

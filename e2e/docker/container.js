'use strict';
// What the Docker tests share: their settings from docker/ci-smoke.sh's environment, the private
// daemon's client, and bounded waits that show the container's log tail when they give up.
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { sleep } = require('../harness');

/** A setting ci-smoke.sh exports; throws when run any other way. */
function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through docker/ci-smoke.sh`);
  return v;
}

// A JVM starting next to a Maven build on two loaded cores: bounds are generous, waits end as
// soon as their condition holds.
const WAIT = { start: 180000, healthy: 180000, stop: 60000 };

/** `docker` and waits on one container; every call ends within WAIT.stop. */
function container(name) {
  const client = env('DOCKER');
  const docker = (...args) => new Promise((resolve, reject) => {
    execFile(client, args, { encoding: 'utf8', timeout: WAIT.stop, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve({ stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
  const inspect = async (format) => (await docker('inspect', '-f', format, name)).stdout;
  const logs = async () => { const { stdout, stderr } = await docker('logs', name); return `${stdout}\n${stderr}`; };
  /** Resolves with the ms it took once `probe` returns true; fails with the log tail after `ms`. */
  async function until(what, ms, probe) {
    const t0 = Date.now();
    let last;
    for (;;) {
      try { last = await probe(); } catch (e) { last = e; }
      if (last === true) return Date.now() - t0;
      if (Date.now() - t0 > ms) {
        const tail = (await logs().catch((e) => e.message)).split('\n').slice(-30).join('\n');
        assert.fail(`${what} within ${ms} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}\n--- container log tail ---\n${tail}`);
      }
      await sleep(250);
    }
  }
  /** Resolves with the ms it took until GET /readyz on `httpPort` answers 200. */
  const ready = (httpPort) => until(`GET http://127.0.0.1:${httpPort}/readyz answering 200`, WAIT.start, async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(5000) });
    return res.status === 200 ? true : `${res.status} ${await res.text()}`;
  });
  /** Resolves with the ms it took until Docker reports the HEALTHCHECK healthy. */
  const healthy = () => until('docker health status "healthy"', WAIT.healthy,
    async () => { const s = await inspect('{{.State.Health.Status}}'); return s === 'healthy' ? true : s; });
  return { docker, inspect, logs, until, ready, healthy };
}

module.exports = { env, container, WAIT };

'use strict';
// Runs the real jar the way an operator does, outside the harness's fixed settings: any -D
// options, environment and arguments, with stdout and stderr collected for the test to read.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { JAR, LEAK_CHECK, sleep } = require('./harness');

const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

// Settings a developer's shell may carry: the tests decide trial or production mode themselves.
const DIALTONE_ENV = ['DIALTONE_JWT_SECRET', 'DIALTONE_TURN_SECRET', 'DIALTONE_EXTERNAL_IP', 'DIALTONE_REDIS_URL'];

let copy;
/** A private copy of the jar, made once per test file: never read a jar that is being rebuilt. */
function jarCopy() {
  if (!copy) {
    if (!fs.existsSync(JAR)) throw new Error(`dialtone jar not found at ${JAR} (set DIALTONE_JAR or build it)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialtone-e2e-jar-'));
    copy = path.join(dir, 'dialtone.jar');
    fs.copyFileSync(JAR, copy);
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return copy;
}

const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch (_) { /* gone */ } } });

/**
 * Start `java [-Dk=v...] -jar dialtone.jar [args...]` with `env` on top of a clean environment.
 * Returns { output(), stdout(), exited (promise of {code, signal}), waitFor(regex, ms), stop() }.
 */
function runJar({ props = {}, env = {}, args = [] } = {}) {
  const cleanEnv = { ...process.env };
  DIALTONE_ENV.forEach((k) => delete cleanEnv[k]);
  // no call-path warm-up unless the test asks for it: it costs seconds per start (e2e/test/warmup.test.js)
  const all = { 'dialtone.signaling.warmup.calls': 0, ...props };
  const argv = ['-Xmx256m', LEAK_CHECK, ...Object.entries(all).map(([k, v]) => `-D${k}=${v}`), '-jar', jarCopy(), ...args];
  const child = spawn(javaBin(), argv, { env: { ...cleanEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let stdout = '';
  child.stdout.on('data', (d) => { out += d; stdout += d; });
  child.stderr.on('data', (d) => { out += d; });
  let result = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    result = { code, signal };
    resolve(result);
  }));
  return {
    argv,
    output: () => out,
    stdout: () => stdout,
    exited,
    /** Resolves with the first output line matching `re`; rejects if the jar exits first or `ms` pass. */
    async waitFor(re, ms = 30000) {
      const t0 = Date.now();
      for (;;) {
        const line = out.split('\n').find((l) => re.test(l));
        if (line) return line;
        if (result) throw new Error(`jar exited (${JSON.stringify(result)}) before printing ${re}\n--- output ---\n${out}`);
        if (Date.now() - t0 > ms) throw new Error(`no line matching ${re} within ${ms} ms\n--- output ---\n${out}`);
        await sleep(50);
      }
    },
    /** Resolves with {code, signal}; kills the jar and fails if it runs longer than `ms`. */
    async exit(ms = 30000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
    async stop() {
      if (!result) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

module.exports = { runJar };

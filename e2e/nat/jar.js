'use strict';
// The real jar started inside a network namespace (e2e/nat/topology.js), for the suites that
// need a network of their own.
const fs = require('node:fs');
const path = require('node:path');
const { sleep, JAR, LEAK_CHECK } = require('../harness');

const START_WAIT = 60000;   // JVM start inside the namespace, on a loaded machine

const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/**
 * Start a copy of the jar as `name` in namespace `ns` of `spaces`, working directory `dir`, with
 * these -D properties; resolves once it logged that it started. Killed with the namespaces.
 */
async function startJarIn(spaces, ns, dir, name, props) {
  const jar = path.join(dir, `${name}.jar`);
  fs.copyFileSync(JAR, jar); // never read a jar that is being rebuilt
  const logFile = path.join(dir, `${name}.log`);
  // no call-path warm-up: it costs seconds per start (e2e/test/warmup.test.js tests it)
  const all = { 'dialtone.signaling.warmup.calls': 0, ...props };
  const args = ['-Xmx256m', LEAK_CHECK, ...Object.entries(all).map(([k, v]) => `-D${k}=${v}`), '-jar', jar];
  const fd = fs.openSync(logFile, 'a');
  const child = spaces.spawnIn(ns, javaBin(), args, { stdio: ['ignore', fd, fd], cwd: dir });
  fs.closeSync(fd);
  let exited = null;
  child.once('exit', (code, sig) => { exited = { code, sig }; });
  const log = () => { try { return fs.readFileSync(logFile, 'utf8'); } catch (e) { return `(no log: ${e.message})`; } };
  const logTail = (n = 40) => log().split('\n').slice(-n).join('\n');
  const t0 = Date.now();
  while (!/Dialtone started/.test(log())) {
    if (exited) throw new Error(`${name} exited during start ${JSON.stringify(exited)}\n${logTail()}`);
    if (Date.now() - t0 > START_WAIT) throw new Error(`${name} did not start within ${START_WAIT} ms\n${logTail()}`);
    await sleep(200);
  }
  return { name, child, log, logTail };
}

module.exports = { startJarIn };

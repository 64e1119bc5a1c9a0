// A load.js worker process and the request/response calls the coordinators (load.js, soak.js)
// make to it over the IPC channel: call(cmd, args) resolves with the worker's result, or rejects
// with its error or when it exits.
const { fork } = require('child_process');
const path = require('path');

const LOAD = path.join(__dirname, 'load.js');

function spawnWorker(cfg, runId, index) {
  const child = fork(LOAD, ['--worker'], { env: { ...process.env, SIGBENCH_WORKER: JSON.stringify({ cfg, runId, index }) } });
  const pending = new Map();
  let seq = 0;
  const ready = new Promise((res) => child.once('message', res));
  child.on('message', (m) => {
    if (m.id == null) return;
    const p = pending.get(m.id); pending.delete(m.id);
    if (m.error) p.reject(new Error(`worker ${index}: ${m.error}`)); else p.resolve(m.result);
  });
  const exited = new Promise((res) => child.once('exit', res));
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`worker ${index} exited ${code}`));
    pending.clear();
  });
  const call = (cmd, args) => new Promise((resolve, reject) => {
    const id = ++seq; pending.set(id, { resolve, reject }); child.send({ id, cmd, args });
  });
  return { child, ready, exited, call };
}

module.exports = { spawnWorker };

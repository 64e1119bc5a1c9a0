'use strict';
// A small internet in network namespaces this process creates, and only there: no interface,
// rule, route or sysctl is ever touched in the host's own namespace (veths are created directly
// inside their namespaces; ip_forward is set inside the router namespaces only).
//
//   lan A 10.0.1.0/24                    "internet" 203.0.113.0/24 (TEST-NET-3)            lan B 10.0.2.0/24
//   [a] 10.0.1.2 ── [natA] 10.0.1.1 | 203.0.113.1 ──┐                  ┌── 203.0.113.2 | 10.0.2.1 [natB] ── 10.0.2.2 [b]
//                                                   [inet: bridge br0]
//                                         203.0.113.10 [srv] (Dialtone)
//
// With natServer, a second server [srvN] is a private host 10.0.3.10 behind its own 1:1 NAT router
// [natS] (public 203.0.113.20 on the bridge, DNAT/SNAT, no hairpin), as on many clouds.
//
// The routers masquerade their LAN (symmetric: --random-fully, a new random port per destination;
// cone: plain MASQUERADE, which keeps the client's port, endpoint-independent) and drop every
// inbound packet that is not a reply to something sent out. setEgress() narrows what the LANs
// may send (a corporate firewall that lets only some TCP ports of the server out).
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');

const SERVER = '203.0.113.10';
const NAT_A = '203.0.113.1';
const NAT_B = '203.0.113.2';
const CLIENT_A = '10.0.1.2';
const CLIENT_B = '10.0.2.2';
const NATTED_SERVER = '203.0.113.20';
const NATTED_SERVER_PRIVATE = '10.0.3.10';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => fs.existsSync(p)) || 'ip';
const IPTABLES = ['/usr/sbin/iptables', '/sbin/iptables'].find((p) => fs.existsSync(p)) || 'iptables';
const SYSCTL = ['/usr/sbin/sysctl', '/sbin/sysctl'].find((p) => fs.existsSync(p)) || 'sysctl';

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** every topology alive in this process, torn down on exit whatever happens */
const alive = new Set();
function teardownAll() { for (const t of alive) t.teardown(); }
process.on('exit', teardownAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => { teardownAll(); process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]); });
}

/** namespaces left by an earlier run of this suite that died without tearing down (its pid is gone) */
function removeStale() {
  let names = [];
  try { names = run(IP, ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]); } catch (_) { return; }
  for (const name of names) {
    const m = /^dtnat(\d+)-/.exec(name);
    if (!m) continue;
    let gone = false;
    try { process.kill(Number(m[1]), 0); } catch (e) { gone = e.code === 'ESRCH'; }
    if (gone) { try { run(IP, ['netns', 'del', name]); } catch (_) { /* raced */ } }
  }
}

/**
 * Named network namespaces of this process (`dtnat<pid>-<role>`, loopback up), the processes
 * spawned in them, and their removal.
 */
class Namespaces {
  /** @param roles short names, e.g. ['srv', 'a'] → this.ns.srv, this.ns.a */
  constructor(roles) {
    this.ns = Object.fromEntries(roles.map((r) => [r, `dtnat${process.pid}-${r}`]));
    this.procs = new Set();
    this.built = false;
  }

  /** makes the namespaces; on failure removes what it made and throws */
  create() {
    if (process.getuid && process.getuid() !== 0) {
      throw new Error('network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN): run this suite as root');
    }
    removeStale();
    alive.add(this);
    try {
      for (const ns of Object.values(this.ns)) {
        run(IP, ['netns', 'add', ns]);
        this.built = true;
        this.ipn(ns, 'link', 'set', 'lo', 'up');
      }
    } catch (e) {
      this.teardown();
      throw e;
    }
    return this;
  }

  ipn(ns, ...args) { return run(IP, ['-n', ns, ...args]); }

  /** spawn a command inside a namespace; killed (by pid) at teardown */
  spawnIn(ns, cmd, args, opts = {}) {
    const child = spawn(IP, ['netns', 'exec', ns, cmd, ...args], { detached: true, ...opts });
    this.procs.add(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  /** run a command inside a namespace to completion (bounded); its stdout */
  runIn(ns, cmd, args, timeout = 15000) {
    return execFileSync(IP, ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
  }

  teardown() {
    for (const child of this.procs) { try { child.kill('SIGKILL'); } catch (_) { /* gone */ } }
    this.procs.clear();
    if (this.built) {
      for (const ns of Object.values(this.ns)) {
        // a process still inside (e.g. a browser this object did not spawn itself) keeps the
        // namespace's network alive: kill those by the pids the kernel lists for it
        let pids = [];
        try { pids = run(IP, ['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number); } catch (_) { /* gone */ }
        for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch (_) { /* gone */ } }
        try { run(IP, ['netns', 'del', ns]); } catch (_) { /* never made or gone */ }
      }
      this.built = false;
    }
    alive.delete(this);
  }
}

class Topology extends Namespaces {
  /** @param natServer true: add a second server behind its own 1:1 NAT without hairpin */
  constructor({ natServer = false } = {}) {
    super(['inet', 'srv', 'natA', 'natB', 'a', 'b', ...(natServer ? ['natS', 'srvN'] : [])]);
  }

  iptables(ns, ...args) { return run(IP, ['netns', 'exec', ns, IPTABLES, '-w', '5', ...args]); }

  /** creates everything; on failure, removes what it made and throws */
  build() {
    this.create();
    try {
      const { inet, srv, natA, natB, a, b, natS, srvN } = this.ns;
      this.ipn(inet, 'link', 'add', 'br0', 'type', 'bridge');
      this.ipn(inet, 'link', 'set', 'br0', 'up');
      // the internet side: each public host on the bridge
      this.toInternet(natA, 'wan', `${NAT_A}/24`, 'pa');
      this.toInternet(natB, 'wan', `${NAT_B}/24`, 'pb');
      this.toInternet(srv, 'eth0', `${SERVER}/24`, 'ps');
      if (natS) {
        this.toInternet(natS, 'wan', `${NATTED_SERVER}/24`, 'pn');
        this.link(natS, 'lan', '10.0.3.1/24', srvN, 'eth0', `${NATTED_SERVER_PRIVATE}/24`);
        this.ipn(srvN, 'route', 'add', 'default', 'via', '10.0.3.1');
        this.router(natS);
        // 1:1 NAT: what arrives from outside for the public address goes to the server, the server's
        // traffic leaves from the public address. No hairpin: the DNAT only applies to packets from
        // outside, so the server's own packets to its public address end at the router.
        this.iptables(natS, '-t', 'nat', '-A', 'PREROUTING', '-i', 'wan', '-d', NATTED_SERVER, '-j', 'DNAT', '--to-destination', NATTED_SERVER_PRIVATE);
        this.iptables(natS, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-s', NATTED_SERVER_PRIVATE, '-j', 'SNAT', '--to-source', NATTED_SERVER);
      }
      // the LANs behind their routers
      this.link(natA, 'lan', '10.0.1.1/24', a, 'eth0', `${CLIENT_A}/24`);
      this.link(natB, 'lan', '10.0.2.1/24', b, 'eth0', `${CLIENT_B}/24`);
      this.ipn(a, 'route', 'add', 'default', 'via', '10.0.1.1');
      this.ipn(b, 'route', 'add', 'default', 'via', '10.0.2.1');
      for (const nat of [natA, natB]) {
        this.router(nat);
        this.iptables(nat, '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        this.iptables(nat, '-A', 'FORWARD', '-i', 'wan', '-j', 'DROP');
        this.iptables(nat, '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        this.iptables(nat, '-A', 'INPUT', '-i', 'wan', '-j', 'DROP');
        this.iptables(nat, '-N', 'EGRESS');
        this.iptables(nat, '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'EGRESS');
      }
      this.setNat('symmetric');
      this.setEgress(null);
    } catch (e) {
      this.teardown();
      throw e;
    }
    return this;
  }

  toInternet(ns, ifname, cidr, bridgePort) {
    run(IP, ['link', 'add', 'name', ifname, 'netns', ns, 'type', 'veth', 'peer', 'name', bridgePort, 'netns', this.ns.inet]);
    this.ipn(this.ns.inet, 'link', 'set', bridgePort, 'master', 'br0', 'up');
    this.ipn(ns, 'addr', 'add', cidr, 'dev', ifname);
    this.ipn(ns, 'link', 'set', ifname, 'up');
  }

  link(ns1, if1, cidr1, ns2, if2, cidr2) {
    run(IP, ['link', 'add', 'name', if1, 'netns', ns1, 'type', 'veth', 'peer', 'name', if2, 'netns', ns2]);
    this.ipn(ns1, 'addr', 'add', cidr1, 'dev', if1);
    this.ipn(ns2, 'addr', 'add', cidr2, 'dev', if2);
    this.ipn(ns1, 'link', 'set', if1, 'up');
    this.ipn(ns2, 'link', 'set', if2, 'up');
  }

  /** forwarding on, inside this router's namespace only */
  router(ns) {
    run(IP, ['netns', 'exec', ns, SYSCTL, '-q', '-w', 'net.ipv4.ip_forward=1']);
  }

  /** 'symmetric': a new random public port per destination; 'cone': the client's port kept for every destination */
  setNat(mode) {
    if (!['symmetric', 'cone'].includes(mode)) throw new Error(`NAT mode ${mode}`);
    for (const nat of [this.ns.natA, this.ns.natB]) {
      this.iptables(nat, '-t', 'nat', '-F', 'POSTROUTING');
      this.iptables(nat, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(mode === 'symmetric' ? ['--random-fully'] : []));
    }
    // a call's flows are new (fresh local ports), so mappings made under the previous mode never serve it
    this.natMode = mode;
  }

  /**
   * What the LANs may send to the internet: null = everything; {tcp: [ports]} = only TCP to those
   * ports of the server's public address (no UDP at all, nothing to the other LAN's router).
   */
  setEgress(only) {
    for (const nat of [this.ns.natA, this.ns.natB]) {
      this.iptables(nat, '-F', 'EGRESS');
      if (!only) {
        this.iptables(nat, '-A', 'EGRESS', '-j', 'ACCEPT');
        continue;
      }
      for (const port of only.tcp) {
        this.iptables(nat, '-A', 'EGRESS', '-p', 'tcp', '-d', SERVER, '--dport', String(port), '-j', 'ACCEPT');
      }
      // refused at once rather than silently dropped, so that clients give up on the blocked ways quickly
      this.iptables(nat, '-A', 'EGRESS', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
      this.iptables(nat, '-A', 'EGRESS', '-j', 'REJECT');
    }
    this.egress = only;
  }

  /** a script that runs `binary` inside `ns` (for launchers that want one executable path) */
  wrapper(dir, ns, binary) {
    const file = `${dir}/in-${ns}.sh`;
    fs.writeFileSync(file, `#!/bin/sh\nexec ${IP} netns exec ${ns} ${binary} "$@"\n`, { mode: 0o755 });
    return file;
  }
}

module.exports = { Namespaces, Topology, SERVER, NAT_A, NAT_B, CLIENT_A, CLIENT_B, NATTED_SERVER, NATTED_SERVER_PRIVATE };

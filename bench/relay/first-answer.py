#!/usr/bin/env python3
"""Time the first STUN answers of a freshly started Dialtone jar.

Starts the jar on free loopback ports, waits for its "TURN relay listening" line, then sends one
STUN Binding request over UDP, a second one, and one over a new TCP connection, and prints how
long each answer took. Repeat it to see the spread: the first answer is where anything loaded
lazily on first use (ice4j's configuration) shows up.

Usage: bench/relay/first-answer.py server/target/dialtone.jar [runs]
"""
import os
import socket
import struct
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binding_request():
    return struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))


def once(jar):
    relay = free_port()
    cmd = ["java", f"-Ddialtone.signaling.port={free_port()}", f"-Ddialtone.http.port={free_port()}",
           f"-Ddialtone.relay.port={relay}", "-Ddialtone.relay.tls-port=0",
           "-Ddialtone.relay.listen-addresses.0=127.0.0.1", "-Ddialtone.relay.relay-address=127.0.0.1",
           "-jar", jar]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "TURN relay listening" in line:
                break
        else:
            sys.exit("the jar exited before its relay listened")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(30)
            t0 = time.monotonic()
            udp.sendto(binding_request(), ("127.0.0.1", relay))
            udp.recvfrom(2048)
            t1 = time.monotonic()
            udp.sendto(binding_request(), ("127.0.0.1", relay))
            udp.recvfrom(2048)
            t2 = time.monotonic()
        with socket.create_connection(("127.0.0.1", relay), timeout=30) as tcp:
            t3 = time.monotonic()
            tcp.sendall(binding_request())
            tcp.recv(2048)
            t4 = time.monotonic()
        print(f"first UDP answer {1000 * (t1 - t0):7.1f} ms, second {1000 * (t2 - t1):6.1f} ms,"
              f" first TCP answer {1000 * (t4 - t3):6.1f} ms", flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 5):
        once(sys.argv[1])

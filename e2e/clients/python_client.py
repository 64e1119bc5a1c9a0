#!/usr/bin/env python3
"""Drives Debian's python3-socketio for the e2e suite (test/clients.test.js).

Reads one JSON command per line on stdin, writes one JSON report per line on stdout:
  {"cmd": "connect", "sock": s, "url": u, "transports": [...], "auth": {...}|null}
      -> {"sock": s, "type": "connected"} or {"sock": s, "type": "connect_error", "message": m}
  {"cmd": "emit", "sock": s, "event": e, "data": d, "ack": id|null}
      -> with an ack id: {"sock": s, "type": "ack", "id": id, "data": ...}
  {"cmd": "close", "sock": s} -> {"sock": s, "type": "closed"}
Every event a socket gets: {"sock": s, "type": "event", "name": e, "data": d}; a disconnect:
{"sock": s, "type": "disconnect"}. Mode "sync" uses socketio.Client (requests, websocket-client),
"async" socketio.AsyncClient (aiohttp). Reconnection is off: a refused or dropped socket stays so.
"""
import asyncio
import json
import sys
import threading

import socketio

CONNECT_WAIT = 10  # seconds; the machine running the suite may be loaded

_out = threading.Lock()


def report(**fields):
    line = json.dumps(fields)  # ASCII only: U+2028, NUL and the rest travel escaped
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def handlers(sio, sock, refusals):
    """Reports events and disconnects; keeps the server's reason for a refused connect."""
    sio.on("*", lambda event, *args: report(sock=sock, type="event", name=event, data=args[0] if args else None))
    sio.on("disconnect", lambda: report(sock=sock, type="disconnect"))
    sio.on("connect_error", lambda data=None: refusals.__setitem__(
        sock, data.get("message") if isinstance(data, dict) else str(data)))


def run_sync():
    sockets = {}
    refusals = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        sock = cmd.get("sock")
        if cmd["cmd"] == "connect":
            sio = socketio.Client(reconnection=False)
            handlers(sio, sock, refusals)
            sockets[sock] = sio
            try:
                sio.connect(cmd["url"], auth=cmd.get("auth"), transports=cmd["transports"],
                            wait_timeout=CONNECT_WAIT)
                report(sock=sock, type="connected", transport=sio.transport())
            except socketio.exceptions.ConnectionError as e:
                report(sock=sock, type="connect_error", message=refusals.get(sock, str(e)))
        elif cmd["cmd"] == "emit":
            ack = cmd.get("ack")
            callback = None if ack is None else (lambda *a, _id=ack: report(sock=sock, type="ack", id=_id, data=a[0] if a else None))
            sockets[sock].emit(cmd["event"], cmd.get("data"), callback=callback)
        elif cmd["cmd"] == "close":
            sockets.pop(sock).disconnect()
            report(sock=sock, type="closed")
    for sio in list(sockets.values()):
        sio.disconnect()


async def run_async():
    loop = asyncio.get_running_loop()
    sockets = {}
    refusals = {}
    tasks = set()

    async def connect(cmd):
        sock = cmd["sock"]
        sio = socketio.AsyncClient(reconnection=False)
        handlers(sio, sock, refusals)
        sockets[sock] = sio
        try:
            await sio.connect(cmd["url"], auth=cmd.get("auth"), transports=cmd["transports"],
                              wait_timeout=CONNECT_WAIT)
            report(sock=sock, type="connected", transport=sio.transport())
        except socketio.exceptions.ConnectionError as e:
            report(sock=sock, type="connect_error", message=refusals.get(sock, str(e)))

    async def emit(cmd):
        sock, ack = cmd["sock"], cmd.get("ack")
        callback = None if ack is None else (lambda *a: report(sock=sock, type="ack", id=ack, data=a[0] if a else None))
        await sockets[sock].emit(cmd["event"], cmd.get("data"), callback=callback)

    async def close(cmd):
        await sockets.pop(cmd["sock"]).disconnect()
        report(sock=cmd["sock"], type="closed")

    actions = {"connect": connect, "emit": emit, "close": close}
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "connect":
            # a connect waits for the server; other commands go on meanwhile
            task = asyncio.create_task(connect(cmd))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            await actions[cmd["cmd"]](cmd)
    for sio in list(sockets.values()):
        await sio.disconnect()


if __name__ == "__main__":
    if sys.argv[1:] == ["sync"]:
        run_sync()
    elif sys.argv[1:] == ["async"]:
        asyncio.run(run_async())
    else:
        sys.exit("usage: python_client.py sync|async")

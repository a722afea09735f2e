"""Reference solution of the socketio-client lab: Engine.IO/Socket.IO by hand over the
`websockets` library's WebSocket (a library is allowed in this lab; the packets are not).

The broken variants (broken_*.py) import this module, replace one function with a known mistake
and call run().
"""

import json
import os
import sys

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

NS = "/lab"


def open_session(ws):
    packet = ws.recv()
    assert packet.startswith("0"), packet
    return json.loads(packet[1:])


def join(ws):
    ws.send(f"40{NS},")


def emit(ws, event, data):
    ws.send(f"42{NS}," + json.dumps([event, data]))


def pong(ws):
    ws.send("3")


def ack(ws, ack_id, value):
    ws.send(f"43{NS},{ack_id}" + json.dumps([value]))


def leave(ws):
    ws.send(f"41{NS},")


def split(packet):
    """'42/lab,17["question",{...}]' -> ('2', 17, [...])"""
    kind, rest = packet[1], packet[2:]
    if rest.startswith(NS + ","):
        rest = rest[len(NS) + 1 :]
    digits = ""
    while rest and rest[0].isdigit():
        digits, rest = digits + rest[0], rest[1:]
    return kind, int(digits) if digits else None, json.loads(rest) if rest else None


def main():
    with connect(os.environ["NETLEARN_URL"], compression=None) as ws:
        info = open_session(ws)
        print("open packet: pingInterval", info["pingInterval"], "pingTimeout", info["pingTimeout"])
        join(ws)
        while True:
            packet = ws.recv()
            if packet == "2":
                pong(ws)
                continue
            if not packet.startswith("4"):
                continue
            kind, ack_id, data = split(packet)
            if kind == "2" and data[0] == "task":
                emit(ws, data[1]["event"], data[1]["data"])
            elif kind == "2" and data[0] == "question":
                print("question", data[1])
                ack(ws, ack_id, data[1]["a"] + data[1]["b"])
                leave(ws)
                return


def run():
    """main(), exiting 1 quietly when netlearn drops the connection (it does after a failure:
    a traceback printed then would race with netlearn stopping the program)."""
    try:
        main()
    except (OSError, EOFError, ConnectionClosed):
        sys.exit(1)


if __name__ == "__main__":
    run()

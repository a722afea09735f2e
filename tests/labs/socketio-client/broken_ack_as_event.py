"""Known mistake: the answer is sent as an EVENT (42) instead of an ACK (43)."""

import json

import ref


def ack(ws, ack_id, value):
    ws.send(f"42{ref.NS},{ack_id}" + json.dumps([value]))


ref.ack = ack
ref.run()

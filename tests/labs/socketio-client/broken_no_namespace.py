"""Known mistake: the event is written `42[...]`, without the /lab namespace."""

import json

import ref


def emit(ws, event, data):
    ws.send("42" + json.dumps([event, data]))


ref.emit = emit
ref.run()

"""socketio-client: Engine.IO v4 and Socket.IO v5 packets by hand. Check it with:

    netlearn lab check socketio-client -- python3 socketio_client.py

The WebSocket may come from a library (here `websockets`, pip install websockets) or from your
websocket-client lab; the packets are yours. Read the task with `netlearn lab show socketio-client`.
"""

import json
import os

from websockets.sync.client import connect

URL = os.environ.get("NETLEARN_URL", "ws://127.0.0.1:8765/socket.io/?EIO=4&transport=websocket")
NS = "/lab"


def main() -> None:
    with connect(URL, compression=None) as ws:
        # TODO 1: read the Engine.IO open packet first: "0" + JSON (sid, pingInterval, ...).
        # TODO 2: connect to the namespace: send "40/lab,".
        while True:
            packet = ws.recv()
            print("got", packet)
            # TODO 3: "2" (ping): answer "3" (pong) at once.
            # TODO 4: '42/lab,["task",{"event":E,"data":D}]': emit '42/lab,' + json.dumps([E, D]).
            # TODO 5: '42/lab,<id>["question",{"a":A,"b":B}]': answer '43/lab,<id>' +
            #         json.dumps([A + B]) (the id is the digits before "[").
            # TODO 6: then leave: send "41/lab,", and return (the with-block closes the
            #         WebSocket), so the program exits 0.
            _ = (json, NS)


if __name__ == "__main__":
    main()

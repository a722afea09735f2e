"""The demo's hand-written WebSocket client keeps what arrives with the 101, and whole messages
that arrive in pieces (a real server on 127.0.0.1, port 0)."""

from __future__ import annotations

import socket
import threading

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from netlearn.live.wsclient import PlainWebSocket


def _server(messages: list[str], split: bool) -> tuple[int, threading.Thread]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        conn, _ = listener.accept()
        ws = WSConnection(ConnectionType.SERVER)
        with conn, listener:
            while True:
                ws.receive_data(conn.recv(65536))
                if any(isinstance(e, Request) for e in ws.events()):
                    break
            out = ws.send(AcceptConnection())
            for m in messages:
                out += ws.send(TextMessage(data=m))
            if split:  # the 101 alone, then each message a byte at a time
                head = out.index(b"\r\n\r\n") + 4
                conn.sendall(out[:head])
                for i in range(head, len(out)):
                    conn.sendall(out[i : i + 1])
            else:  # the 101 and the first messages in one segment
                conn.sendall(out)
            conn.recv(100)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, thread


def test_messages_sent_with_the_101_are_kept() -> None:
    port, thread = _server(["0{}", "40"], split=False)
    ws = PlainWebSocket("127.0.0.1", port, "/", timeout=5)
    assert ws.connect() is None
    assert ws.recv(2) == "0{}"
    assert ws.recv(2) == "40"
    ws.close()
    thread.join(5)


def test_a_message_arriving_byte_by_byte_is_whole() -> None:
    text = "42" + "x" * 300
    port, thread = _server([text], split=True)
    ws = PlainWebSocket("127.0.0.1", port, "/", timeout=5)
    assert ws.connect() is None
    assert ws.recv(5) == text
    ws.close()
    thread.join(5)

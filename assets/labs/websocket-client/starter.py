"""websocket-client: a WebSocket echo client on a raw socket (RFC 6455). Check it with:

    netlearn lab check websocket-client -- python3 websocket_client.py

No WebSocket library: the point is to write the handshake and the frames yourself.
Read the task with `netlearn lab show websocket-client`.
"""

import base64
import hashlib
import os
import socket
import struct
import sys
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
URL = urlsplit(os.environ.get("NETLEARN_URL", "ws://127.0.0.1:8765/lab"))


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Exactly n bytes (recv may return fewer: loop)."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def handshake(sock: socket.socket) -> None:
    """Send the upgrade request, read the 101, check Sec-WebSocket-Accept (RFC 6455 §4.1)."""
    key = base64.b64encode(os.urandom(16)).decode()
    # TODO 1: send "GET /lab HTTP/1.1" (URL.path), Host (URL.hostname:URL.port),
    #         Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Key: key,
    #         Sec-WebSocket-Version: 13; every line ends with \r\n, and an empty line ends it.
    # TODO 2: read the answer up to \r\n\r\n; it must be 101.
    # TODO 3: its Sec-WebSocket-Accept must be base64(sha1(key + GUID).digest());
    #         if not, close the socket and exit with sys.exit(1), sending nothing.
    _ = (key, hashlib, sys)


def send_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    """One whole frame (FIN=1), masked as every client frame must be (RFC 6455 §5.1-5.3)."""
    # TODO 4: byte 0: 0x80 | opcode. Byte 1: 0x80 (MASK) | length if length <= 125;
    #         126 + 2-byte length up to 65535; 127 + 8-byte length above (struct.pack).
    # TODO 5: a 4-byte random key (os.urandom(4)), then payload byte i XOR key[i % 4].
    _ = (struct, opcode, payload)


def read_frame(sock: socket.socket) -> tuple[bool, int, bytes]:
    """(fin, opcode, payload) of the next frame the server sends (unmasked)."""
    b0, b1 = recv_exact(sock, 2)
    # TODO 6: the length is b1 & 0x7F, or the next 2 bytes (126), or the next 8 (127).
    length = b1 & 0x7F
    payload = recv_exact(sock, length)
    return bool(b0 & 0x80), b0 & 0x0F, payload


def main() -> None:
    sock = socket.create_connection((URL.hostname, URL.port))
    handshake(sock)
    while True:
        fin, opcode, payload = read_frame(sock)
        # TODO 7: text (1) and binary (2) messages: echo them with the same opcode. A message
        #         may come in fragments: FIN=0 first, then continuation frames (opcode 0) up
        #         to FIN=1; collect them and echo the whole message once.
        # TODO 8: a ping (9): answer at once with a pong (10) carrying the same payload.
        # TODO 9: a close (8): answer with a close carrying the same 2-byte code, wait for the
        #         server to close the connection (recv returns b""), then return (exit 0).
        if opcode == 8:
            return


if __name__ == "__main__":
    main()

"""websocket-server: a WebSocket echo server on a raw socket (RFC 6455). Check it with:

    netlearn lab check websocket-server -- python3 websocket_server.py

No WebSocket library: the point is to write the handshake and the frames yourself.
"""

import base64
import hashlib
import os
import socket
import struct
import threading

HOST = os.environ.get("NETLEARN_HOST", "127.0.0.1")
PORT = int(os.environ.get("NETLEARN_PORT", "8765"))
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("the client closed the connection")
        data += chunk
    return data


def handshake(conn: socket.socket) -> bool:
    """Read the upgrade request and answer it; True when the connection is now a WebSocket."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        head += chunk
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    # TODO 1: no Sec-WebSocket-Key? answer 400 Bad Request (RFC 6455 §4.2.1, §4.2.2).
    # TODO 2: Sec-WebSocket-Version not 13? answer 426 with "Sec-WebSocket-Version: 13" (§4.4)
    #         and "Upgrade: websocket" + "Connection: Upgrade" (a 426 must name the protocol,
    #         RFC 9110 §15.5.22); or 400, which needs only the version header.
    # TODO 3: answer 101 Switching Protocols with Upgrade, Connection and
    #         Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2): hashlib, base64.
    return False


def send_frame(conn: socket.socket, opcode: int, payload: bytes) -> None:
    # TODO 4: FIN + opcode, then the length: 0-125 in 7 bits; 126 + 2 bytes; 127 + 8 bytes
    #         (§5.2, struct.pack("!H"/"!Q")). A server never masks (§5.1).
    pass


def serve(conn: socket.socket) -> None:
    with conn:
        if not handshake(conn):
            return
        while True:
            try:
                b0, b1 = read_exact(conn, 2)
            except (EOFError, OSError):
                return
            # TODO 5: the length (b1 & 0x7F, then 126/127), the mask bit and the 4-byte key;
            #         unmask: data[i] ^ key[i % 4] (§5.3). No mask bit: close 1002 (§5.1, §7.4.1).
            # TODO 6: text/binary: echo; FIN=0 starts fragments, opcode 0 continues them (§5.4).
            # TODO 7: ping (0x9): pong (0xA) with the same payload (§5.5.2).
            # TODO 8: close (0x8): answer with the same code, then return (§5.5.1).
            return


def main() -> None:
    with socket.create_server((HOST, PORT)) as server:
        print(f"listening on {HOST}:{PORT}", flush=True)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

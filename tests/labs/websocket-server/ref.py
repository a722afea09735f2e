"""Reference websocket-server: a WebSocket echo server on a raw socket (RFC 6455).

The broken variants import this file and change one of the switches in MISTAKES first.
"""

import base64
import hashlib
import os
import socket
import struct
import threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MISTAKES: set[str] = set()


def accept(key: bytes) -> bytes:
    guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B1l" if "guid" in MISTAKES else GUID
    digest = hashlib.sha1(key + guid)
    if "hex" in MISTAKES:
        return digest.hexdigest().encode()
    return base64.b64encode(digest.digest())


def read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    mbit = 0x80 if "masked" in MISTAKES else 0
    if n < 126 or "len7" in MISTAKES:
        head = bytes([0x80 | opcode, mbit | (n & 0x7F)])
    elif n < 65536:
        head = bytes([0x80 | opcode, mbit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x80 | opcode, mbit | 127]) + struct.pack("!Q", n)
    if mbit:
        return head + b"\0\0\0\0" + payload
    return head + payload


def handshake(conn: socket.socket) -> bool:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk or len(head) > 16384:
            return False
        head += chunk
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    key = headers.get(b"sec-websocket-key")
    if headers.get(b"sec-websocket-version") != b"13":
        extra = b"" if "no-version" in MISTAKES else b"Sec-WebSocket-Version: 13\r\n"
        if "426-no-upgrade" not in MISTAKES:  # RFC 9110 section 15.5.22
            extra += b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
        conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\n" + extra + b"Content-Length: 0\r\n\r\n")
        return False
    if not key:
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept(key) + b"\r\n\r\n"
    )
    return True


def serve(conn: socket.socket) -> None:
    with conn:
        if not handshake(conn):
            return
        message, kind = b"", 0
        while True:
            try:
                b0, b1 = read_exact(conn, 2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", read_exact(conn, 2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", read_exact(conn, 8))[0]
                if not b1 & 0x80 and "no-1002" not in MISTAKES:
                    read_exact(conn, n)  # (read it, so that closing sends FIN, not RST)
                    conn.sendall(frame(0x8, struct.pack("!H", 1002)))
                    return  # a client frame must be masked (RFC 6455 5.1)
                key = read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ key[i % 4] for i, b in enumerate(read_exact(conn, n)))
            except (EOFError, OSError):
                return
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode == 0x9:
                conn.sendall(frame(0xA, data[:-1] if "pong" in MISTAKES else data))
            elif opcode == 0x8:
                conn.sendall(frame(0x8, data[:2]))
                return
            elif opcode in (0x1, 0x2, 0x0):
                if "fragments" in MISTAKES:
                    conn.sendall(frame(opcode or 0x1, data))
                    continue
                if opcode:
                    kind, message = opcode, b""
                message += data
                if fin:
                    conn.sendall(frame(kind, message))


def main() -> None:
    host = os.environ.get("NETLEARN_HOST", "127.0.0.1")
    port = int(os.environ["NETLEARN_PORT"])
    with socket.create_server((host, port)) as server:
        print(f"listening on {host}:{port}", flush=True)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

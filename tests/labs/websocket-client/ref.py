"""Reference solution of the websocket-client lab: a WebSocket echo client on a raw socket.

The broken variants (broken_*.py) import this module, replace one function with a known mistake
and call main().
"""

import base64
import hashlib
import os
import random
import socket
import struct
import sys
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# The tests set REF_SEED so that keys and masks, and so the golden files, are the same every run.
# A real client takes them from os.urandom, as RFC 6455 §5.3 says.
_SEEDED = random.Random(os.environ["REF_SEED"]) if os.environ.get("REF_SEED") else None


def random_bytes(n):
    return _SEEDED.randbytes(n) if _SEEDED else os.urandom(n)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def request(url, key):
    target = url.path or "/"
    if url.query:
        target += "?" + url.query
    return (
        f"GET {target} HTTP/1.1\r\n"
        f"Host: {url.hostname}:{url.port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "\r\n"
    ).encode()


def accept_ok(headers, key):
    expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    return headers.get("sec-websocket-accept") == expected


def handshake(sock, url):
    key = base64.b64encode(random_bytes(16)).decode()
    sock.sendall(request(url, key))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("no answer to the upgrade")
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    if lines[0].split(" ")[1] != "101":
        raise ConnectionError("not 101: " + lines[0])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if not accept_ok(headers, key):
        print("wrong Sec-WebSocket-Accept: failing the connection")
        sock.close()
        sys.exit(1)
    print("connected")


def encode_length(n):
    if n <= 125:
        return bytes([0x80 | n])
    if n <= 0xFFFF:
        return bytes([0x80 | 126]) + struct.pack("!H", n)
    return bytes([0x80 | 127]) + struct.pack("!Q", n)


def mask(payload, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def send_frame(sock, opcode, payload, fin=True):
    key = random_bytes(4)
    head = bytes([(0x80 if fin else 0) | opcode]) + encode_length(len(payload))
    sock.sendall(head + key + mask(payload, key))


def read_frame(sock):
    b0, b1 = recv_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(sock, 8))[0]
    key = recv_exact(sock, 4) if b1 & 0x80 else None
    payload = recv_exact(sock, n)
    if key:
        payload = mask(payload, key)
    return bool(b0 & 0x80), b0 & 0x0F, payload


def on_data(sock, state, fin, opcode, payload):
    """A text/binary/continuation frame: collect, echo the whole message at FIN."""
    if opcode != 0:
        state["opcode"], state["parts"] = opcode, []
    state["parts"].append(payload)
    if fin:
        send_frame(sock, state["opcode"], b"".join(state["parts"]))


def pong(sock, payload):
    send_frame(sock, 0xA, payload)


def close_reply(sock, payload):
    send_frame(sock, 0x8, payload[:2])


def main():
    url = urlsplit(os.environ["NETLEARN_URL"])
    sock = socket.create_connection((url.hostname, url.port))
    handshake(sock, url)
    state = {"opcode": 0, "parts": []}
    while True:
        fin, opcode, payload = read_frame(sock)
        if opcode in (0, 1, 2):
            on_data(sock, state, fin, opcode, payload)
        elif opcode == 0x9:
            pong(sock, payload)
        elif opcode == 0x8:
            print("closing with code", struct.unpack("!H", payload[:2])[0])
            close_reply(sock, payload)
            sock.settimeout(2)
            while sock.recv(4096):  # the server closes TCP first
                pass
            return


def run():
    """main(), exiting 1 quietly when netlearn drops the connection (it does after a failure:
    a traceback printed then would race with netlearn stopping the program)."""
    try:
        main()
    except OSError:
        sys.exit(1)


if __name__ == "__main__":
    run()

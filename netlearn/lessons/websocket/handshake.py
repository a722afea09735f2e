"""The opening handshake's pure parts: the key, the accept proof, and what each header means.

RFC 6455 section 1.3: the client sends a random 16-byte nonce, base64-encoded, as
Sec-WebSocket-Key; the server appends a fixed GUID, hashes the result with SHA-1 and sends the
base64 of the digest back as Sec-WebSocket-Accept. The server has to prove that it received a
WebSocket handshake, so that it never accepts connections that are not WebSocket connections
(section 1.3: requests an attacker crafts with XMLHttpRequest or a form submission); the client
checks the value and fails the connection if it is wrong (section 4.1).
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass

from netlearn.content.words import say, table
from netlearn.lessons.websocket.events import HeaderNote, HttpMessage

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# The worked example of RFC 6455 section 1.3.
RFC_EXAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
RFC_EXAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def new_key(rng: random.Random) -> tuple[bytes, str]:
    """A fresh Sec-WebSocket-Key: 16 random bytes and their base64 (RFC 6455 section 4.1)."""
    nonce = rng.randbytes(16)
    return nonce, base64.b64encode(nonce).decode("ascii")


@dataclass(frozen=True)
class AcceptStages:
    """Each stage of computing Sec-WebSocket-Accept from Sec-WebSocket-Key."""

    key: str
    joined: str
    digest: bytes
    accept: str


def accept_stages(key: str) -> AcceptStages:
    """key + GUID, its SHA-1 digest, and the base64 of the digest (RFC 6455 section 4.2.2)."""
    joined = key + GUID
    digest = hashlib.sha1(joined.encode("ascii")).digest()
    return AcceptStages(key, joined, digest, base64.b64encode(digest).decode("ascii"))


def accept_for(key: str) -> str:
    """The Sec-WebSocket-Accept value a server must send for this key."""
    return accept_stages(key).accept


def key_is_valid(key: str) -> bool:
    """A key must be base64 that decodes to exactly 16 bytes (RFC 6455 section 4.2.1, item 5)."""
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except (ValueError, TypeError):
        return False


def _glossary(part: str) -> dict[str, str]:
    """A table of lessons/glossary/websocket-headers.toml (request, response, refusal)."""
    if part == "request":
        return table("glossary.websocket-headers.request")
    if part == "response":
        return table("glossary.websocket-headers.response")
    return table("glossary.websocket-headers.refusal")


def __getattr__(name: str) -> dict[str, str]:
    """The glossaries under their old names (`_REQUEST`, `_RESPONSE`, `_REFUSAL`)."""
    parts = {"_REQUEST": "request", "_RESPONSE": "response", "_REFUSAL": "refusal"}
    if name in parts:
        return _glossary(parts[name])
    raise AttributeError(name)


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def explain_headers(
    headers: Iterable[tuple[bytes | str, bytes | str]], *, response: bool, status: int | None = None
) -> tuple[HeaderNote, ...]:
    """Each header with its meaning, in the order it was sent."""
    meanings = _glossary("response" if response else "request")
    refusal = _glossary("refusal")
    out = []
    for name, value in headers:
        n, v = _text(name), _text(value)
        meaning = meanings.get(n.lower(), "")
        if response and status is not None and status != 101:
            meaning = refusal.get(n.lower(), meaning)
        if response and n.lower() == "connection" and v.lower() == "close":
            meaning = say("glossary.websocket-headers.start.connection-close")
        out.append(HeaderNote(name=n, value=v, meaning=meaning))
    return tuple(out)


def split_head(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The start line and the headers of an HTTP/1.1 message head, read leniently for display."""
    text = raw.decode("latin-1")
    end = text.find("\r\n\r\n")
    head = text if end < 0 else text[:end]
    lines = head.replace("\r\n", "\n").split("\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def http_event(raw: bytes, src: str, dst: str, label: str, t: float = 0.0) -> HttpMessage:
    """An HTTP message as it crossed the socket, each header explained."""
    start, headers = split_head(raw)
    response = start.startswith("HTTP/")
    meaning = ""
    status = None
    if response:
        parts = start.split(" ", 2)
        if len(parts) > 1 and parts[1].isdigit():
            status = int(parts[1])
            meaning = table("glossary.websocket-headers.status").get(str(status), "")
    elif start.startswith("GET "):
        meaning = say("glossary.websocket-headers.start.get")
    body = raw.partition(b"\r\n\r\n")[2]
    return HttpMessage(
        t=t,
        src=src,
        dst=dst,
        label=label,
        raw=raw,
        start_line=start,
        start_meaning=meaning,
        headers=explain_headers(headers, response=response, status=status),
        body=body,
    )

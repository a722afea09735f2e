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


_REQUEST: dict[str, str] = {
    "host": "the server (and port) the client wants; required in every HTTP/1.1 request "
    "(RFC 6455 section 4.1, item 4)",
    "upgrade": "asks to switch this TCP connection from HTTP to the protocol named here, "
    "websocket (RFC 6455 section 4.1, item 5; RFC 9110 section 7.8)",
    "connection": "'Upgrade' marks the Upgrade header as meant for this hop: a proxy must act "
    "on it, not pass it on (RFC 6455 section 4.1, item 6; RFC 9110 section 7.6.1)",
    "sec-websocket-key": "a nonce: 16 random bytes, base64-encoded; the server must answer "
    "with a value computed from it, proof that it read a WebSocket handshake (RFC 6455 section "
    "4.1, item 7; section 1.3)",
    "sec-websocket-version": "the protocol version the client speaks; 13 is the one RFC 6455 "
    "defines (section 4.1, item 9)",
    "origin": "the site (scheme, host, port) of the page whose script opened the socket; "
    "browsers always send it so the server can refuse other sites (RFC 6455 sections 4.1 item "
    "8 and 10.2)",
    "sec-websocket-extensions": "extensions the client offers, such as permessage-deflate "
    "compression (RFC 7692); the server chooses which, if any, to use (RFC 6455 section 9.1)",
    "sec-websocket-protocol": "application subprotocols the client speaks, preferred first; the "
    "server picks at most one (RFC 6455 sections 1.9 and 4.1, item 10)",
    "user-agent": "which program made the request (RFC 9110 section 10.1.5)",
    "pragma": "no-cache: an old way of saying 'not from a cache'",
    "cache-control": "no-cache: do not answer this from a cache (RFC 9111 section 5.2)",
    "accept-encoding": "body compressions the client reads; no HTTP body follows here",
    "accept-language": "the user's preferred languages",
    "cookie": "this site's cookies, sent with the upgrade like with any request: the reason "
    "a server must check Origin (cross-site WebSocket hijacking)",
}

_RESPONSE: dict[str, str] = {
    "upgrade": "the protocol the connection now speaks: websocket (RFC 6455 section 4.2.2, step 5)",
    "connection": "'Upgrade': this hop switches protocols (RFC 6455 section 4.2.2, step 5)",
    "sec-websocket-accept": "base64(SHA-1(key + GUID)): proof that the server read this very "
    "request as a WebSocket handshake (RFC 6455 sections 1.3 and 4.2.2)",
    "sec-websocket-version": "the versions this server speaks, so the client can retry with "
    "one of them (RFC 6455 sections 4.2.2 and 4.4)",
    "sec-websocket-extensions": "the extensions the server accepted; absent means none "
    "(RFC 6455 section 9.1)",
    "sec-websocket-protocol": "the one subprotocol the server chose from the client's list "
    "(RFC 6455 section 4.2.2); absent means none",
    "content-length": "how many bytes of body follow the blank line",
    "content-type": "what kind of data the body is",
    "date": "when the response was made",
    "server": "which program answered",
}


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def explain_headers(
    headers: Iterable[tuple[bytes | str, bytes | str]], *, response: bool, status: int | None = None
) -> tuple[HeaderNote, ...]:
    """Each header with its meaning, in the order it was sent."""
    table = _RESPONSE if response else _REQUEST
    out = []
    for name, value in headers:
        n, v = _text(name), _text(value)
        meaning = table.get(n.lower(), "")
        if response and status is not None and status != 101:
            meaning = _REFUSAL.get(n.lower(), meaning)
        if response and n.lower() == "connection" and v.lower() == "close":
            meaning = "the server closes the TCP connection after this response"
        out.append(HeaderNote(name=n, value=v, meaning=meaning))
    return tuple(out)


# The same headers in an answer that is not a 101: nothing switches protocols.
_REFUSAL: dict[str, str] = {
    "upgrade": "the protocol the client must upgrade to for this resource; a 426 must carry "
    "it (RFC 9110 sections 7.8 and 15.5.22)",
    "connection": "'Upgrade' keeps the Upgrade header to this hop (RFC 9110 section 7.8); "
    "'close': the server closes the TCP connection after this response",
}


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


STATUS_MEANINGS: dict[int, str] = {
    101: "from the end of this response on, the connection speaks WebSocket (RFC 6455 section "
    "4.2.2; RFC 9110 section 15.2.2)",
    400: "the handshake is not what RFC 6455 section 4.2.1 asks for",
    403: "the server refuses this client, here because of its Origin (RFC 6455 section 4.2.2, "
    "step 4)",
    404: "no WebSocket endpoint at this path",
    426: "the server does not speak the version asked for (RFC 6455 sections 4.2.2 and 4.4); "
    "a 426 names the protocol to use in Upgrade (RFC 9110 section 15.5.22)",
    431: "the request's headers are too large (RFC 6585 section 5)",
    503: "too many clients at once; try again later",
}


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
            meaning = STATUS_MEANINGS.get(status, "")
    elif start.startswith("GET "):
        meaning = (
            "the method must be GET and the version HTTP/1.1 or later (RFC 6455 section 4.1, "
            "item 2)"
        )
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

"""The WebSocket opening handshake (RFC 6455 §4), checked in one place for both WebSocket labs.

`check_request`: the learner's client's upgrade request (websocket-client lab), or the first
thing wrong with it. `check_101` and `check_refusal`: the learner's server's answers
(websocket-server lab). Each failure is a `StageFailed` with the bytes, the offset of the first
wrong byte, the rule and the likely cause; the words are in lessons/labs/websocket-*.toml.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from netlearn.content.words import say
from netlearn.labs.failure import StageFailed

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# Lesson steps by id (the report turns an id into the step's current number).
STEP_HANDSHAKE = "websocket#handshake"
STEP_ACCEPT = "websocket#accept"
STEP_REFUSALS = "websocket#refusals"


def accept_for(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def switching_protocols(accept: str) -> bytes:
    """A server's 101 answer."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def upgrade_request(host: str, port: int, key: str | None, version: str = "13") -> bytes:
    """A client's upgrade request for /lab (no key when `key` is None)."""
    lines = [
        "GET /lab HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
    ]
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    lines.append(f"Sec-WebSocket-Version: {version}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# -- reading a head -----------------------------------------------------------------------
@dataclass(frozen=True)
class HeaderLine:
    """One header line of an HTTP head, with where it and its value are."""

    line: str
    at: int  # offset of the line in the head
    name: str  # as written (a check refuses blanks around it)
    colon: bool
    value: str  # without the blanks around it
    value_at: int  # offset of the value in the head


def header_lines(head: bytes) -> list[HeaderLine]:
    """The header lines of an HTTP head (after the first line, up to the empty line)."""
    lines = head.decode("latin-1").split("\r\n")
    pos = len(lines[0]) + 2
    out = []
    for line in lines[1:]:
        if line == "":
            break
        name, colon, value = line.partition(":")
        lead = len(value) - len(value.lstrip(" \t"))
        out.append(
            HeaderLine(line, pos, name, bool(colon), value.strip(" \t"), pos + len(name) + 1 + lead)
        )
        pos += len(line) + 2
    return out


def headers(head: bytes) -> list[tuple[str, str, int]]:
    """(name lowercased, value, offset of the value) for each `Name: value` line."""
    return [(h.name.strip().lower(), h.value, h.value_at) for h in header_lines(head) if h.colon]


def tokens(value: str) -> list[str]:
    """The comma-separated tokens of a header value, lowercased."""
    return [t.strip().lower() for t in value.split(",")]


def header_tokens(head: bytes, name: str) -> list[str]:
    """The tokens of every `name` header line, lowercased."""
    return [token for n, value, _ in headers(head) if n == name for token in tokens(value)]


def status_of(head: bytes) -> int | None:
    """The status code of a response head, or None when it is not `HTTP/1.x NNN`."""
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") and parts[1].isdigit():
        return int(parts[1])
    return None


# -- the client's request (websocket-client lab) ------------------------------------------
@dataclass(frozen=True)
class Request:
    raw: bytes
    method: str
    target: str
    version: str
    headers: dict[str, tuple[str, int]]  # lower-case name -> (value, offset of the value)


def _request_fail(message: str, raw: bytes, offset: int, expected: str, rule: str, cause: str,
                  rfc: str = "RFC 6455 §4.1") -> StageFailed:  # fmt: skip
    return StageFailed(
        message,
        got=raw,
        offset=offset,
        expected=expected,
        rule=rule,
        rfc=rfc,
        cause=say(f"labs.websocket-client.causes.{cause}"),
        lesson=STEP_HANDSHAKE,
    )


def parse_request(raw: bytes) -> Request | StageFailed:
    """The request head (up to and including the empty line), or why it is not one."""
    first = raw.decode("latin-1").split("\r\n")[0]
    parts = first.split(" ")
    if len(parts) != 3:
        return _request_fail(
            say("labs.websocket-client.request.line", line=repr(first)),
            raw,
            0,
            "GET /path HTTP/1.1",
            say("labs.websocket-client.request.line-rule"),
            "method",
            rfc="RFC 9112 §3",
        )
    method, target, version = parts
    found: dict[str, tuple[str, int]] = {}
    for h in header_lines(raw):
        if not h.colon or not h.name or h.name != h.name.strip():
            return _request_fail(
                say("labs.websocket-client.request.header", line=repr(h.line)),
                raw,
                h.at,
                "Name: value",
                say("labs.websocket-client.request.header-rule"),
                "method",
                rfc="RFC 9112 §5",
            )
        found.setdefault(h.name.lower(), (h.value, h.value_at))
    return Request(raw, method, target, version, found)


def check_request(raw: bytes, host: str, port: int, target: str) -> Request | StageFailed:
    """The upgrade request per RFC 6455 §4.1, or the first thing wrong with it."""
    req = parse_request(raw)
    if isinstance(req, StageFailed):
        return req
    end = max(len(raw) - 2, 0)  # where a missing header would go
    if req.method != "GET":
        return _request_fail(
            say("labs.websocket-client.request.method", method=repr(req.method)),
            raw,
            0,
            "GET",
            say("labs.websocket-client.request.method-rule"),
            "method",
        )
    if req.target != target:
        return _request_fail(
            say("labs.websocket-client.request.target", got=repr(req.target), want=repr(target)),
            raw,
            len(req.method) + 1,
            target,
            say("labs.websocket-client.request.target-rule"),
            "target",
            rfc="RFC 6455 §3, §4.1",
        )
    if req.version != "HTTP/1.1":
        return _request_fail(
            say("labs.websocket-client.request.version", version=repr(req.version)),
            raw,
            len(req.method) + len(req.target) + 2,
            "HTTP/1.1",
            say("labs.websocket-client.request.version-rule"),
            "method",
        )
    return _check_headers(req, raw, end, host, port)


def _check_headers(
    req: Request, raw: bytes, end: int, host: str, port: int
) -> Request | StageFailed:
    host_value = req.headers.get("host")
    wanted = f"{host}:{port}"
    if host_value is None:
        return _request_fail(
            say("labs.websocket-client.request.no-host"),
            raw,
            end,
            f"Host: {wanted}",
            say("labs.websocket-client.request.no-host-rule"),
            "host",
        )
    if host_value[0].lower() not in (wanted, f"localhost:{port}"):
        return _request_fail(
            say("labs.websocket-client.request.host", got=repr(host_value[0]), want=repr(wanted)),
            raw,
            host_value[1],
            wanted,
            say("labs.websocket-client.request.host-rule"),
            "host",
        )
    upgrade = req.headers.get("upgrade")
    if upgrade is None or "websocket" not in tokens(upgrade[0]):
        return _request_fail(
            say("labs.websocket-client.request.no-upgrade")
            if upgrade is None
            else say("labs.websocket-client.request.upgrade", got=repr(upgrade[0])),
            raw,
            end if upgrade is None else upgrade[1],
            "Upgrade: websocket",
            say("labs.websocket-client.request.upgrade-rule"),
            "upgrade",
        )
    connection = req.headers.get("connection")
    if connection is None or "upgrade" not in tokens(connection[0]):
        return _request_fail(
            say("labs.websocket-client.request.no-connection")
            if connection is None
            else say("labs.websocket-client.request.connection", got=repr(connection[0])),
            raw,
            end if connection is None else connection[1],
            "Connection: Upgrade",
            say("labs.websocket-client.request.connection-rule"),
            "upgrade",
        )
    return _check_key(req, raw, end)


def _check_key(req: Request, raw: bytes, end: int) -> Request | StageFailed:
    key = req.headers.get("sec-websocket-key")
    if key is None:
        return _request_fail(
            say("labs.websocket-client.request.no-key"),
            raw,
            end,
            "Sec-WebSocket-Key: <base64 of 16 random bytes>",
            say("labs.websocket-client.request.no-key-rule"),
            "key",
        )
    try:
        decoded = base64.b64decode(key[0].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        decoded = None
    if decoded is None or len(decoded) != 16:
        what = (
            say("labs.websocket-client.request.key-not-base64")
            if decoded is None
            else say("labs.websocket-client.request.key-size", n=len(decoded))
        )
        return _request_fail(
            say("labs.websocket-client.request.key", got=repr(key[0]), what=what),
            raw,
            key[1],
            say("labs.websocket-client.request.key-expected"),
            say("labs.websocket-client.request.key-rule"),
            "key",
        )
    version = req.headers.get("sec-websocket-version")
    if version is None or version[0] != "13":
        return _request_fail(
            say("labs.websocket-client.request.no-ws-version")
            if version is None
            else say("labs.websocket-client.request.ws-version", got=repr(version[0])),
            raw,
            end if version is None else version[1],
            "Sec-WebSocket-Version: 13",
            say("labs.websocket-client.request.ws-version-rule"),
            "version",
        )
    ext = req.headers.get("sec-websocket-extensions")
    if ext is not None:
        return _request_fail(
            say("labs.websocket-client.request.extension", got=repr(ext[0])),
            raw,
            ext[1],
            say("labs.websocket-client.request.extension-expected"),
            say("labs.websocket-client.request.extension-rule"),
            "library",
            rfc="RFC 6455 §4.1, §9.1",
        )
    return req

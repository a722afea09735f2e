"""The learner's WebSocket server's answers to an upgrade request (RFC 6455 §4.2.2, §4.4).

`check_101`: the answer to a good request, byte by byte, down to the Sec-WebSocket-Accept.
`check_refusal`: the answer to a request without a key (400) or with version 8 (426 or 400, naming
version 13). Head parsing is `ws_handshake`'s; the words are in lessons/labs/websocket-server.toml.
"""

from __future__ import annotations

import base64
import hashlib

from netlearn.content.words import say
from netlearn.labs.failure import StageFailed
from netlearn.labs.ws_handshake import (
    GUID,
    STEP_ACCEPT,
    STEP_HANDSHAKE,
    STEP_REFUSALS,
    accept_for,
    header_tokens,
    headers,
    status_of,
    tokens,
)


def check_101(head: bytes, key: str) -> None:
    """Raise StageFailed unless `head` is a 101 with the right Sec-WebSocket-Accept for `key`."""
    status = status_of(head)
    if status != 101:
        want = b"HTTP/1.1 101"
        at = next((i for i, (a, b) in enumerate(zip(head, want, strict=False)) if a != b), 9)
        raise StageFailed(
            say("labs.websocket-server.response.status", status=status),
            got=head,
            offset=at,
            expected="HTTP/1.1 101 Switching Protocols",
            rule=say("labs.websocket-server.response.status-rule"),
            rfc="RFC 6455 §4.2.2",
            cause=say("labs.websocket-server.response.status-cause"),
            lesson=STEP_HANDSHAKE,
        )
    names = {name: (value, at) for name, value, at in headers(head)}
    if names.get("upgrade", ("", 0))[0].lower() != "websocket":
        raise StageFailed(
            say("labs.websocket-server.response.no-upgrade"),
            got=head,
            expected="Upgrade: websocket",
            rule=say("labs.websocket-server.response.upgrade-rule"),
            rfc="RFC 6455 §4.2.2",
            cause=say("labs.websocket-server.response.missing-cause"),
            lesson=STEP_HANDSHAKE,
        )
    if "upgrade" not in tokens(names.get("connection", ("", 0))[0]):
        raise StageFailed(
            say("labs.websocket-server.response.no-connection"),
            got=head,
            expected="Connection: Upgrade",
            rule=say("labs.websocket-server.response.upgrade-rule"),
            rfc="RFC 6455 §4.2.2",
            cause=say("labs.websocket-server.response.missing-cause"),
            lesson=STEP_HANDSHAKE,
        )
    want = accept_for(key)
    if "sec-websocket-accept" not in names:
        raise StageFailed(
            say("labs.websocket-server.response.no-accept"),
            got=head,
            expected=f"Sec-WebSocket-Accept: {want}",
            rule=say("labs.websocket-server.response.no-accept-rule"),
            rfc="RFC 6455 §4.2.2",
            lesson=STEP_ACCEPT,
        )
    value, at = names["sec-websocket-accept"]
    if value != want:
        diff = next((i for i, (a, b) in enumerate(zip(value, want, strict=False)) if a != b), None)
        diff = min(len(value), len(want)) if diff is None else diff
        raise StageFailed(
            say(
                "labs.websocket-server.response.accept",
                got=repr(value),
                key=repr(key),
                want=repr(want),
            ),
            got=head,
            offset=at + diff,
            expected=say(
                "labs.websocket-server.response.accept-expected",
                next=repr(want[diff : diff + 1] or "the end"),
                want=want,
            ),
            rule=say("labs.websocket-server.response.accept-rule"),
            rfc="RFC 6455 §4.2.2",
            cause=accept_cause(key, value),
            lesson=STEP_ACCEPT,
        )


def accept_cause(key: str, value: str) -> str:
    """Which step of base64(SHA-1(key + GUID)) a wrong accept value skipped or got wrong."""
    guid = GUID.encode("ascii")
    digest = hashlib.sha1(key.encode("ascii") + guid)
    if (
        value == digest.hexdigest()
        or value == base64.b64encode(digest.hexdigest().encode()).decode()
    ):
        return say("labs.websocket-server.response.accept-hex")
    if value == base64.b64encode(hashlib.sha1(key.encode()).digest()).decode():
        return say("labs.websocket-server.response.accept-no-guid")
    if value == base64.b64encode(base64.b64decode(key) + guid).decode():
        return say("labs.websocket-server.response.accept-no-sha1")
    return say("labs.websocket-server.response.accept-other")


def check_refusal(head: bytes, key_sent: bool) -> int | None:
    """Raise StageFailed unless `head` refuses a bad upgrade request rightly; its status."""
    status = status_of(head)
    if not key_sent:
        if status not in (400, 426):
            raise StageFailed(
                say("labs.websocket-server.refusal.no-key", status=status),
                got=head,
                offset=9,
                expected="HTTP/1.1 400 Bad Request",
                rule=say("labs.websocket-server.refusal.no-key-rule"),
                rfc="RFC 6455 §4.2.1, §4.2.2",
                cause=say("labs.websocket-server.refusal.no-key-cause"),
                lesson=STEP_HANDSHAKE,
            )
        return status
    if status not in (400, 426):
        raise StageFailed(
            say("labs.websocket-server.refusal.version", status=status),
            got=head,
            offset=9,
            expected=say("labs.websocket-server.refusal.version-expected"),
            rule=say("labs.websocket-server.refusal.version-rule"),
            rfc="RFC 6455 §4.2.2, §4.4",
            cause=say("labs.websocket-server.refusal.version-cause"),
            lesson=STEP_HANDSHAKE,
        )
    versions = [v for n, v, _ in headers(head) if n == "sec-websocket-version"]
    if not any("13" in [x.strip() for x in v.split(",")] for v in versions):
        raise StageFailed(
            say("labs.websocket-server.refusal.no-version", status=status),
            got=head,
            offset=len(head) - 2,
            expected="a header line Sec-WebSocket-Version: 13",
            rule=say("labs.websocket-server.refusal.no-version-rule"),
            rfc="RFC 6455 §4.4",
            cause=say("labs.websocket-server.refusal.no-version-cause"),
            lesson=STEP_HANDSHAKE,
        )
    if status == 426:
        check_426(head)
    return status


def check_426(head: bytes) -> None:
    """A 426 names the protocol to upgrade to in Upgrade, with Connection: Upgrade beside it."""
    if not any(t.split("/")[0] == "websocket" for t in header_tokens(head, "upgrade")):
        raise StageFailed(
            say("labs.websocket-server.refusal.426-no-upgrade"),
            got=head,
            offset=len(head) - 2,
            expected="a header line Upgrade: websocket",
            rule=say("labs.websocket-server.refusal.426-no-upgrade-rule"),
            rfc="RFC 9110 §15.5.22",
            cause=say("labs.websocket-server.refusal.426-no-upgrade-cause"),
            lesson=STEP_REFUSALS,
        )
    if "upgrade" not in header_tokens(head, "connection"):
        raise StageFailed(
            say("labs.websocket-server.refusal.426-no-connection"),
            got=head,
            offset=len(head) - 2,
            expected="a header line Connection: Upgrade",
            rule=say("labs.websocket-server.refusal.426-no-connection-rule"),
            rfc="RFC 9110 §7.8, §15.5.22",
            cause=say("labs.websocket-server.refusal.426-no-connection-cause"),
            lesson=STEP_REFUSALS,
        )

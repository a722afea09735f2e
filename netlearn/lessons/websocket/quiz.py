"""WebSocket questions: the accept value for a key (RFC 6455 section 4.2.2) and reading a frame's
header (section 5.2), on a request built by h11 and frames built by `ws_frame`."""

from __future__ import annotations

import base64
import hashlib
import random

from netlearn.content.words import say
from netlearn.packets.opcodes import OPCODES
from netlearn.quiz.generators.common import make, pick_choices
from netlearn.quiz.model import Asked, Question

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


def accept_for(key: str) -> str:
    """Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), the key taken as the text it is."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def upgrade_request(key: str, host: str = "127.0.0.1:8765", target: str = "/chat") -> bytes:
    """The client's opening handshake, as h11 writes it on the wire."""
    import h11

    conn = h11.Connection(our_role=h11.CLIENT)
    return (
        conn.send(
            h11.Request(
                method="GET",
                target=target,
                headers=[
                    ("Host", host),
                    ("Upgrade", "websocket"),
                    ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Key", key),
                    ("Sec-WebSocket-Version", "13"),
                ],
            )
        )
        or b""
    )


def accept(rng: random.Random, question: Question) -> Asked:
    """Which Sec-WebSocket-Accept answers this key; the wrong choices are the usual slips."""
    key = base64.b64encode(rng.randbytes(16)).decode("ascii")
    right = accept_for(key)

    def b64sha1(data: bytes) -> str:
        return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")

    slips = [
        b64sha1(key.encode()),  # forgot the GUID
        b64sha1((GUID + key).encode()),  # GUID first
        b64sha1(base64.b64decode(key) + GUID.encode()),  # hashed the decoded 16 bytes
    ]
    rng.shuffle(slips)
    choices, at = pick_choices(rng, right, slips)
    request = upgrade_request(key).decode("ascii").rstrip("\r\n").split("\r\n")
    return make(
        "choice",
        say("websocket.questions.accept.prompt"),
        say("websocket.questions.accept.explanation", guid=GUID, key=key, accept=right),
        choices=choices,
        correct=(at,),
        exhibit=tuple(request),
        packets=(upgrade_request(key),),
    )


OPCODE_NAMES = OPCODES


def _label(opcode: int, length: int) -> str:
    name = OPCODE_NAMES.get(opcode, "reserved")
    return say("websocket.questions.frame.label", name=name, opcode=opcode, length=length)


def frame(rng: random.Random, question: Question) -> Asked:
    """Read opcode and payload length off a frame's first bytes (7-, 16- or 64-bit lengths)."""
    from netlearn.packets.websocket import WebSocketFrame, ws_frame

    opcode = rng.choice((0x1, 0x1, 0x2, 0x2, 0x8, 0x9, 0xA))
    # Control frames (close, ping, pong) carry at most 125 bytes (section 5.5).
    sizes = ("small",) if opcode >= 0x8 else ("small", "medium", "medium", "large")
    size_class = rng.choice(sizes)
    n = {
        "small": rng.randint(2, 125),
        "medium": rng.randint(126, 65535),
        "large": rng.randint(65536, 200_000),
    }[size_class]
    masked = rng.random() < 0.5
    key = rng.randbytes(4) if masked else None
    if opcode == 0x1 or opcode == 0x8:
        # Text must be valid UTF-8 (section 5.6), and so must a close frame's reason, which
        # follows its 2-byte status code (section 5.5.1): 1000 is a normal closure.
        text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(n))
        payload = text.encode("ascii")
        if opcode == 0x8:
            payload = (1000).to_bytes(2, "big") + payload[2:]
    else:
        payload = bytes(rng.getrandbits(8) for _ in range(n))
    raw = bytes(ws_frame(payload, opcode=opcode, masking_key=key))
    parsed = WebSocketFrame(raw)
    op, length = int(parsed.opcode), parsed.length()
    header_len = {"small": 2, "medium": 4, "large": 10}[size_class] + (4 if masked else 0)
    b0, b1 = raw[0], raw[1]
    wrong = [
        _label(b0 >> 4, length),  # read the high nibble (FIN and RSV bits) as the opcode
        _label(op, b1),  # read the whole second byte, MASK bit included, as the length
        _label(op, b1 & 0x7F) if size_class != "small" else _label(op, length + header_len),
        _label({0x1: 0x2, 0x2: 0x1}.get(op, 0x1), length),
        _label(op, int.from_bytes(raw[2:4], "little")) if size_class == "medium" else "",
    ]
    choices, at = pick_choices(rng, _label(op, length), [w for w in wrong if w])
    shown = raw[: header_len + 4]
    if size_class == "small":
        how = say("websocket.questions.frame.how-small", length=b1 & 0x7F)
    elif size_class == "medium":
        how = say("websocket.questions.frame.how-medium", high=raw[2], low=raw[3], length=length)
    else:
        how = say("websocket.questions.frame.how-large", hex=raw[2:10].hex(), length=length)
    if masked:
        mask = " " + say("websocket.questions.frame.mask-client")
    else:
        mask = " " + say("websocket.questions.frame.mask-server")
    explanation = say(
        "websocket.questions.frame.explanation",
        b0=b0,
        fin=b0 >> 7,
        opcode=op,
        name=OPCODE_NAMES[op],
        b1=b1,
        how=how,
        mask=mask,
    )
    return make(
        "choice",
        say("websocket.questions.frame.prompt", size=len(shown)),
        explanation,
        choices=choices,
        correct=(at,),
        hexdump=shown,
        packets=(raw,),
    )

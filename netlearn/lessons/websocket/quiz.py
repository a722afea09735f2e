"""WebSocket questions: the accept value for a key (RFC 6455 section 4.2.2) and reading a frame's
header (section 5.2), on a request built by h11 and frames built by `ws_frame`."""

from __future__ import annotations

import base64
import hashlib
import random

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
        "A browser opens a WebSocket with this request. Which Sec-WebSocket-Accept must the "
        "server's 101 response carry? (Work it out: the rule is in the lesson; a Python "
        "one-liner will do the hashing.)",
        f"The server appends the fixed GUID {GUID} to the key exactly as sent (the base64 "
        "text, not its decoded bytes), hashes that with SHA-1 and sends the 20-byte digest in "
        f"base64: base64(SHA-1('{key}' + GUID)) = {right} (RFC 6455 sections 1.3 and 4.2.2). "
        "The other choices come from the usual slips: leaving out the GUID, putting it first, "
        "or hashing the decoded 16 bytes of the key. The client checks the value, so a server "
        'that gets it wrong never gets a WebSocket. Check it yourself: python3 -c "import '
        f"base64,hashlib; print(base64.b64encode(hashlib.sha1(b'{key}{GUID}').digest())"
        '.decode())"',
        choices=choices,
        correct=(at,),
        exhibit=tuple(request),
        packets=(upgrade_request(key),),
    )


OPCODE_NAMES = OPCODES


def _label(opcode: int, length: int) -> str:
    name = OPCODE_NAMES.get(opcode, "reserved")
    return f"{name} frame (opcode 0x{opcode:x}), payload {length} bytes"


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
        how = f"the 7-bit payload length field is {b1 & 0x7F}, which is the length itself"
    elif size_class == "medium":
        how = (
            f"the 7-bit field is 126, which means the length is in the next 2 bytes, "
            f"big-endian: 0x{raw[2]:02x}{raw[3]:02x} = {length}"
        )
    else:
        how = (
            "the 7-bit field is 127, which means the length is in the next 8 bytes, "
            f"big-endian: 0x{raw[2:10].hex()} = {length}"
        )
    mask = (
        " The MASK bit is 1, so 4 bytes of masking key follow the length: this frame comes "
        "from a client (section 5.3)."
        if masked
        else " The MASK bit is 0: a frame from the server, which never masks (section 5.1)."
    )
    return make(
        "choice",
        f"Here are the first {len(shown)} bytes of a WebSocket frame: its header, then the "
        "start of its payload. What are its opcode and payload length?",
        f"Byte 0 is 0x{b0:02x} = {b0:08b}: FIN = {b0 >> 7}, RSV1-3 = 0, and the opcode is the "
        f"low 4 bits, 0x{op:x} ({OPCODE_NAMES[op]}). Byte 1 is 0x{b1:02x} = {b1:08b}: the top "
        f"bit is MASK, and {how} (RFC 6455 section 5.2).{mask}",
        choices=choices,
        correct=(at,),
        hexdump=shown,
        packets=(raw,),
    )

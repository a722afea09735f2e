"""Property tests (Hypothesis, derandomized): the frame explainer and the protocol machine against
any bytes, and valid frames decoded exactly as the `websockets` library decodes them."""

from __future__ import annotations

import contextlib
import dataclasses
import struct
import tempfile
import time
from collections.abc import Generator
from io import StringIO
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.extensions.base import Extension
from websockets.frames import Frame
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.streams import StreamReader
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.lessons.websocket.explain import explain
from netlearn.lessons.websocket.frames import frame_event, split_frames
from netlearn.lessons.websocket.protocol import Failure, Received, ServerConnection
from netlearn.render import run_scene

T = TypeVar("T")
SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOME = Path(tempfile.mkdtemp(prefix="netlearn-fuzz-"))
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def _env() -> tuple[Env, StringIO]:
    buf = StringIO()
    env = Env.build(
        "plain",
        stdout=buf,
        stderr=StringIO(),
        stdin=StringIO(),
        width=80,
        seed=1,
        data_dir=HOME,
        animate=False,
    )
    return env, buf


# ------------------------------------------------------------------ any input


def _hex_soup() -> st.SearchStrategy[str]:
    junk = st.text(alphabet="0123456789abcdefABCDEFxX :,-_[](){};\n\tgz\u00e9", max_size=300)
    return st.one_of(st.binary(max_size=400).map(bytes.hex), junk)


@SETTINGS
@given(_hex_soup())
def test_any_input_is_explained_or_refused_in_one_line(text: str) -> None:
    env, buf = _env()
    start = time.monotonic()
    try:
        run_scene(explain(env, text), env)
    except NetlearnError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400
    assert time.monotonic() - start < 5
    assert len(buf.getvalue()) < 200_000


@st.composite
def _frame_like(draw: st.DrawFn) -> bytes:
    """Bytes that look like frames (any bits, plausible lengths), so the explainer goes deep."""
    out = b""
    for _ in range(draw(st.integers(1, 4))):
        b0 = draw(st.integers(0, 255))
        masked = draw(st.booleans())
        n = draw(st.integers(0, 300))
        if n < 126:
            head = bytes([b0, (0x80 if masked else 0) | n])
        else:
            head = bytes([b0, (0x80 if masked else 0) | 126]) + struct.pack("!H", n)
        key = draw(st.binary(min_size=4, max_size=4)) if masked else b""
        cut = draw(st.integers(0, 3)) == 0
        payload = draw(st.binary(min_size=n, max_size=n))
        out += head + key + (payload[: n // 2] if cut else payload)
    return out


@SETTINGS
@given(_frame_like())
def test_frame_like_bytes_never_raise_anything_else(data: bytes) -> None:
    env, _ = _env()
    with contextlib.suppress(NetlearnError):
        run_scene(explain(env, data.hex()), env)


def test_a_compressed_frame_with_garbage_is_one_line() -> None:
    env, _ = _env()
    events = list(explain(env, "c1 05 ff ff ff ff ff"))
    assert any("do not inflate" in getattr(e, "text", "") for e in events)


# ------------------------------------------------------------------ valid frames, two decoders


@dataclasses.dataclass
class Rsv1Owner(Extension):
    """Stands for the extension that negotiated RSV1 (permessage-deflate), so that websockets'
    parser accepts the bit; it records the bit and leaves the payload as it is."""

    name = "x-rsv1"  # type: ignore[assignment]
    seen: list[bool] = dataclasses.field(default_factory=list)

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        self.seen.append(frame.rsv1)
        return dataclasses.replace(frame, rsv1=False)

    def encode(self, frame: Frame) -> Frame:  # pragma: no cover - never sends
        return frame


def _length_field(n: int, wide: int) -> bytes:
    if wide == 0:
        return bytes([n])
    if wide == 1:
        return bytes([126]) + struct.pack("!H", n)
    return bytes([127]) + struct.pack("!Q", n)


@st.composite
def _frame(draw: st.DrawFn, opcode: int, fin: bool, masked: bool) -> tuple[bytes, bytes, bool]:
    """One valid frame: (wire bytes, clear payload, rsv1)."""
    control = opcode >= 8
    if control:
        wide = 0
        n = draw(st.integers(0, 125))
    else:
        wide = draw(st.sampled_from([0, 0, 0, 1, 1, 2]))
        n = {0: draw(st.integers(0, 125)), 1: draw(st.integers(126, 3000))}.get(wide, 0)
        if wide == 2:
            n = draw(st.integers(65536, 70000))
    if opcode == 8:
        code = draw(st.sampled_from([1000, 1001, 1002, 1003, 1007, 1008, 1011, 3000, 4999]))
        reason = draw(st.text(max_size=20)).encode()[:100]
        payload = struct.pack("!H", code) + reason if n >= 2 else b""
    else:
        seed = draw(st.binary(min_size=1, max_size=32))
        payload = (seed * (n // len(seed) + 1))[:n]
    rsv1 = (opcode in (1, 2)) and draw(st.booleans())  # only a first data frame may carry it
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    key = draw(st.binary(min_size=4, max_size=4)) if masked else b""
    wire = payload if not masked else bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    head = bytes([b0]) + bytes([(0x80 if masked else 0) | _length_field(len(payload), wide)[0]])
    head += _length_field(len(payload), wide)[1:]
    return head + key + wire, payload, rsv1


@st.composite
def _frames(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, bool, bool, bytes]], bool]:
    """A valid stream: messages (some fragmented, with control frames between fragments)."""
    masked = draw(st.booleans())
    data = b""
    expected: list[tuple[int, bool, bool, bytes]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([1, 2, 9, 10, 8]))
        if kind >= 8:
            raw, payload, rsv1 = draw(_frame(kind, True, masked))
            data += raw
            expected.append((kind, True, rsv1, payload))
            if kind == 8:
                break
            continue
        parts = draw(st.integers(1, 3))
        for i in range(parts):
            opcode = kind if i == 0 else 0
            raw, payload, rsv1 = draw(_frame(opcode, i == parts - 1, masked))
            data += raw
            expected.append((opcode, i == parts - 1, rsv1, payload))
            if i < parts - 1 and draw(st.booleans()):
                raw, payload, _ = draw(_frame(9, True, masked))
                data += raw
                expected.append((9, True, False, payload))
    return data, expected, masked


def _finish(gen: Generator[None, None, T]) -> T:
    """Run one of websockets' sans-I/O generators that has all the bytes it needs."""
    try:
        next(gen)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("websockets wanted more bytes")


def _websockets_parse(data: bytes, masked: bool) -> list[tuple[int, bool, bool, bytes]]:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    out = []
    while not _finish(reader.at_eof()):
        owner = Rsv1Owner()
        frame = _finish(
            Frame.parse(reader.read_exact, mask=masked, max_size=None, extensions=[owner])
        )
        out.append((frame.opcode.value, frame.fin, owner.seen[0], bytes(frame.data)))
    return out


@SETTINGS
@given(_frames())
def test_valid_frames_decode_as_websockets_decodes_them(
    case: tuple[bytes, list[tuple[int, bool, bool, bytes]], bool],
) -> None:
    data, expected, masked = case
    theirs = _websockets_parse(data, masked)
    assert theirs == expected  # the test's own builder agrees with websockets
    ours = []
    for head, raw in split_frames(data):
        event = frame_event(raw, detail=False)
        assert event.masked == masked == head.masked
        ours.append((event.opcode, event.fin, head.rsv1, event.payload))
    assert ours == theirs
    env, _ = _env()
    run_scene(explain(env, data.hex()), env)  # and the explainer takes all of it


# ------------------------------------------------------------------ the protocol machine


def _open_server() -> ServerConnection:
    conn = ServerConnection(endpoints=("/echo",), max_message=None)
    request = (
        "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    assert conn.receive_data(request)
    conn.accept()
    return conn


def _what(event: object) -> tuple[str, bytes]:
    if isinstance(event, TextMessage):
        return "data", event.data.encode()
    if isinstance(event, BytesMessage):
        return "data", bytes(event.data)
    if isinstance(event, Ping | Pong):
        return type(event).__name__.lower(), bytes(event.payload)
    if isinstance(event, CloseConnection):
        return "close", struct.pack("!H", event.code) + (event.reason or "").encode()
    raise AssertionError(event)


@st.composite
def _client_stream(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """Masked valid frames (text payloads valid UTF-8, no RSV1) and where to cut the stream."""
    data = b""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([1, 2, 9, 10]))
        text = draw(st.text(max_size=200)).encode()
        pieces = [text] if kind >= 8 else _split(text, draw(st.integers(1, 3)))
        for i, piece in enumerate(pieces):
            opcode = kind if i == 0 else 0
            fin = i == len(pieces) - 1
            key = draw(st.binary(min_size=4, max_size=4))
            payload = piece[:125] if kind >= 8 else piece
            head = bytes([(0x80 if fin else 0) | opcode])
            head += bytes([0x80 | _length_field(len(payload), 0 if len(payload) < 126 else 1)[0]])
            head += _length_field(len(payload), 0 if len(payload) < 126 else 1)[1:]
            data += head + key + bytes(b ^ key[j % 4] for j, b in enumerate(payload))
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    return data, cuts


def _split(data: bytes, parts: int) -> list[bytes]:
    step = max(1, len(data) // parts)
    out = [data[i : i + step] for i in range(0, len(data), step)][:parts] or [b""]
    rest = data[sum(len(p) for p in out) :]
    out[-1] += rest
    return out


@SETTINGS
@given(_client_stream())
def test_machine_agrees_with_websockets_however_the_bytes_arrive(
    case: tuple[bytes, list[int]],
) -> None:
    data, cuts = case
    theirs_proto = ServerProtocol(state=State.OPEN, max_size=None)
    theirs_proto.receive_data(data)
    theirs = []
    for frame in theirs_proto.events_received():
        name = {1: "data", 2: "data", 0: "data", 9: "ping", 10: "pong"}[frame.opcode.value]
        theirs.append((frame.opcode.value, frame.fin, name, bytes(frame.data)))
    # wsproto gives text as str per frame: a character split between fragments lands in the
    # frame that completes it. So data is compared message by message, control frames as is.
    conn = _open_server()
    items: list[Received | Failure] = []
    for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
        items += conn.receive_data(data[a:b])  # type: ignore[arg-type]
    assert not any(isinstance(i, Failure) for i in items)
    ours = []
    for item in items:
        assert isinstance(item, Received)
        kinds = {_what(e)[0] for e in item.events} or {"data"}
        (name,) = kinds
        payload = b"".join(_what(e)[1] for e in item.events)
        ours.append((item.head.opcode, item.head.fin, name, payload))
    assert [f[:3] for f in ours] == [f[:3] for f in theirs]
    assert [f for f in ours if f[2] != "data"] == [f for f in theirs if f[2] != "data"]
    assert b"".join(f[3] for f in ours if f[2] == "data") == b"".join(
        f[3] for f in theirs if f[2] == "data"
    )


@SETTINGS
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=6))
def test_machine_survives_any_bytes(data: bytes, cuts: list[int]) -> None:
    conn = _open_server()
    cuts = sorted(c for c in cuts if c <= len(data))
    failures = 0
    for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
        for item in conn.receive_data(data[a:b]):
            failures += isinstance(item, Failure)
            if isinstance(item, Failure):
                assert 1000 <= item.code <= 1011 and len(item.reason) <= 200
    assert failures <= 1

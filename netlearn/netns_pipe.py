"""The pipe between netlearn and its namespace child: length-prefixed pickled tuples.

Only netlearn's own forked child writes to it, so unpickling is safe; a message that cannot be
pickled (an event holding a socket) becomes an error message naming it.
"""

from __future__ import annotations

import os
import pickle
import struct
from typing import Any

from netlearn.content.words import say

_LEN = struct.Struct("!I")


def send(fd: int, message: tuple[Any, ...]) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an event that cannot cross: say which
        data = pickle.dumps(("error", say("core.netns.child.not-passed", error=exc), 1))
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def recv_exact(fd: int, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = os.read(fd, size - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


def recv(fd: int) -> tuple[Any, ...]:
    (size,) = _LEN.unpack(recv_exact(fd, _LEN.size))
    message = pickle.loads(recv_exact(fd, size))
    assert isinstance(message, tuple)
    return message

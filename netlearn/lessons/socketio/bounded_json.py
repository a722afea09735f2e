"""JSON for packets from strangers: bounded nesting, bounded integers, no NaN or Infinity.

Bounds on every count and size read from a packet, so that no input costs more than a few
megabytes or milliseconds. Each is far above what real traffic uses, and at least what
python-socketio accepts in practice.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netlearn.lessons.socketio.problems import PacketError, Problem

MAX_DEPTH = 100  # JSON nesting; deeper input would exhaust Python's recursion limit
MAX_INT_DIGITS = 100  # python-engineio's JSON refuses longer integers too

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*(?:"|\Z)')
_BRACKET = re.compile(r"[\[\]{}]")


def loads(text: str) -> Any:
    """json.loads with bounds: nesting depth, integer digits, no NaN/Infinity.

    Only PacketError (for a bound) or ValueError (for bad JSON) comes out.
    """
    _check_depth(text)
    try:
        return json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int)
    except RecursionError:  # not reachable below MAX_DEPTH; kept as a last guard
        raise PacketError(Problem.TOO_DEEP, limit=MAX_DEPTH) from None


def _check_depth(text: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH, before the recursive parser sees it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # cannot be deeper: the common case costs two scans in C
    # Drop escapes, then strings (an unclosed one runs to the end), so that only structural
    # brackets remain. Both patterns match linearly. For invalid JSON the count may be off
    # after the first error, but the parser stops there too.
    bare = _STRING.sub("", _ESCAPE.sub("", text))
    depth = 0
    for match in _BRACKET.finditer(bare):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PacketError(Problem.TOO_DEEP, limit=MAX_DEPTH)
        else:
            depth -= 1


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise PacketError(Problem.TOO_MANY_DIGITS, limit=MAX_INT_DIGITS)
    return int(digits)


def _no_constant(name: str) -> Any:
    # JSON has no NaN or Infinity (RFC 8259, section 6); Python's json would accept them.
    raise ValueError(name)

"""The labs' words: every key the labs look up by a computed name exists in lessons/labs/.

`netlearn check` sees literal keys and counts every key under an f-string's prefix as used; these
tests check the families looked up by name (causes, Socket.IO failures, stage titles) member by
member, from the names the code passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from netlearn.content.words import known, say, table
from netlearn.labs import get_lab, lab_names, sio_wire, ws_wire

LABS = Path(__file__).resolve().parent.parent / "netlearn" / "labs"

# module -> {function name: (argument index, keyword, key prefix)}
CALLS: dict[str, dict[str, list[tuple[int, str, str]]]] = {
    "ws_wire.py": {"cause": [(0, "key", "labs.websocket-client.causes.")],
                   "_frame_fail": [(6, "key", "labs.websocket-client.causes.")]},
    "ws_handshake.py": {"_request_fail": [(5, "cause", "labs.websocket-client.causes.")]},
    "ws_client_conn.py": {"cause": [(0, "key", "labs.websocket-client.causes.")],
                          "_more": [(1, "cause", "labs.websocket-client.causes.")],
                          "_fail": [(4, "cause", "labs.websocket-client.causes.")]},
    "ws_client_session.py": {"cause": [(0, "key", "labs.websocket-client.causes.")],
                             "_fail": [(4, "cause", "labs.websocket-client.causes.")]},
    "websocket_client.py": {"cause": [(0, "key", "labs.websocket-client.causes.")]},
    "sio_wire.py": {"cause": [(0, "key", "labs.socketio-client.causes.")],
                    "_fail": [(0, "name", "labs.socketio-client.fail."),
                              (4, "cause_key", "labs.socketio-client.causes.")],
                    "failure": [(0, "name", "labs.socketio-client.fail."),
                                (-1, "cause_key", "labs.socketio-client.causes.")]},
    "socketio_client.py": {"cause": [(0, "key", "labs.socketio-client.causes.")]},
}  # fmt: skip


def _constants(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _named_keys() -> list[tuple[str, int, str]]:
    found = []
    for module, calls in CALLS.items():
        tree = ast.parse((LABS / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            for index, keyword, prefix in calls.get(name, []):
                args = [node.args[index]] if 0 <= index < len(node.args) else []
                args += [k.value for k in node.keywords if k.arg == keyword]
                for arg in args:
                    found += [(module, node.lineno, prefix + c) for c in _constants(arg)]
    return found


def test_every_named_key_exists() -> None:
    keys = _named_keys()
    assert len(keys) > 60  # the scan found the calls
    missing = [f"{module}:{line}: {key}" for module, line, key in keys if not known(key)]
    assert not missing, missing


def test_every_cause_is_named_somewhere() -> None:
    named = {key for _, _, key in _named_keys()}
    cases = ((12, 94, (12, 55, 27)), (4464, 70_000, (70_000,)), (44, 300, (300,)), (1, 9, (9,)))
    named |= {f"labs.websocket-client.causes.{ws_wire.length_cause(*c)}" for c in cases}
    # picked into a variable first: SioChecker.tick (`late`) and client_closed (`why`)
    named |= {f"labs.socketio-client.causes.{k}" for k in ("pong-late", "no-pong", "closed")}
    for prefix in ("labs.websocket-client.causes", "labs.socketio-client.causes"):
        unused = [k for k in table(prefix) if f"{prefix}.{k}" not in named]
        assert not unused, (prefix, unused)


def test_every_socketio_failure_has_a_message() -> None:
    fails = [k for _, _, k in _named_keys() if k.startswith("labs.socketio-client.fail.")]
    for key in fails:
        assert known(f"{key}.message"), key
    assert sio_wire.failure("empty", rfc="x", cause_key="engine-type", lesson="x").rule == ""


@pytest.mark.parametrize("name", lab_names())
def test_every_stage_has_a_title(name: str) -> None:
    lab = get_lab(name)
    assert lab.title
    for stage in lab.stages:
        assert stage.title and "{" not in stage.title, stage.id


def test_words_with_braces_and_escapes() -> None:
    assert "`0{...}`" in say("labs.socketio-client.causes.open-ignored")
    assert say("labs.tcp-echo.causes.zero-byte").count("b'\\0'") == 1
    assert say("labs.conn.nothing", actor="client 1", wait=1.25) == (
        "client 1 waited 1.2 s for data and got nothing"
    )

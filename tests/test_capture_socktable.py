"""The kernel's TCP socket table, read from /proc/net/tcp and /proc/net/tcp6, against `ss`."""

from __future__ import annotations

import socket
import subprocess

import pytest

from netlearn.lessons.capture import socktable


def close_client_first(family: int, host: str) -> tuple[int, int]:
    """A real connection whose client closes first; returns (server port, client port)."""
    with socket.create_server((host, 0), family=family) as server:
        port = server.getsockname()[1]
        client = socket.create_connection((host, port), timeout=5)
        conn, _ = server.accept()
        with conn:
            client_port = client.getsockname()[1]
            client.close()  # FIN from the client first
            assert conn.recv(10) == b""  # its FIN has arrived
        # the server's close sends its FIN; the client answers and waits in TIME-WAIT
    return port, client_port


def wait_for_state(port: int, client_port: int, state: str) -> list[socktable.SockEntry]:
    """The client side of this one connection, once it is in `state`. Only entries from the
    client's port to the server's count: other tests' sockets (the suite runs in parallel) may
    use the same port number in one of their own connections."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [
            e
            for e in socktable.for_port(port)
            if e.state == state and e.local[1] == client_port and e.remote[1] == port
        ]
        if found:
            return found
        time.sleep(0.02)
    return []


@pytest.mark.parametrize(
    ("family", "host"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
)
def test_time_wait_is_where_ss_sees_it(family: int, host: str) -> None:
    port, client_port = close_client_first(family, host)
    (entry,) = wait_for_state(port, client_port, "TIME-WAIT")
    assert entry.local == (host, client_port) and entry.remote == (host, port)
    assert entry.timer_left is not None and 0 < entry.timer_left <= 60
    out = subprocess.run(
        ["ss", "-Htan", "state", "time-wait", f"( sport = :{client_port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f":{client_port}" in out and f":{port}" in out
    assert entry.local_text() == (
        f"[{host}]:{client_port}" if ":" in host else f"{host}:{client_port}"
    )


def test_listening_socket_and_bad_lines() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        entries = [e for e in socktable.for_port(port) if e.state == "LISTEN"]
        assert [(e.local, e.remote) for e in entries] == [(("127.0.0.1", port), ("0.0.0.0", 0))]
    assert socktable.parse_line("  sl  local_address rem_address   st tx_queue") is None
    assert socktable.parse_line("garbage") is None
    line = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 1"
    entry = socktable.parse_line(line)
    assert entry is not None and entry.local == ("127.0.0.1", 8080) and entry.state == "LISTEN"

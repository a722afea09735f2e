"""TCP_INFO read from a real socket on 127.0.0.1: the kernel's RTT, RTO and cwnd."""

from __future__ import annotations

import io
import socket
import sys

import pytest

from netlearn.env import Env
from netlearn.lessons.tcp.live import measure, tcp_info

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def test_tcp_info_of_a_real_connection_is_plausible() -> None:
    info = measure(Env.build("plain", stdout=io.StringIO()), 64 * 1024)
    assert info.rtt > 0
    assert info.snd_cwnd >= 10  # Linux's initial window (RFC 6928)
    assert info.rto >= 0.2  # TCP_RTO_MIN: 200 ms
    assert info.snd_mss > 1000


def test_tcp_info_of_a_listening_socket() -> None:
    with socket.create_server(("127.0.0.1", 0)) as srv:
        info = tcp_info(srv)
        assert info.state == 10  # TCP_LISTEN in linux/tcp_states.h


def test_kernel_scene_plays(make_env) -> None:  # type: ignore[no-untyped-def]
    from netlearn.render import run_scene
    from netlearn.scenes import play

    env, buf = make_env("plain")
    run_scene(play("tcp.kernel", env), env)
    out = buf.getvalue()
    assert "TCP_INFO" in out and "RTO" in out and "cwnd" in out

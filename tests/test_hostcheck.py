"""The Host/Origin policy that keeps DNS rebinding out of the local servers."""

from __future__ import annotations

import pytest

from netlearn.hostcheck import HostPolicy, split_host


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("localhost:8080", ("localhost", 8080)),
        ("127.0.0.1", ("127.0.0.1", None)),
        ("[::1]:80", ("::1", 80)),
        ("LOCALHOST.:9", ("localhost", 9)),
        ("::1", None),
        ("a b", None),
        ("x:99999", None),
        ("x:", None),
        ("[evil]:80", None),
        ("user@host", None),
    ],
)
def test_split_host(value: str, expected: object) -> None:
    assert split_host(value) == expected


def test_loopback_server_refuses_rebound_names() -> None:
    pol = HostPolicy.make("127.0.0.1", 5000)
    assert pol.host_ok("127.0.0.1:5000")[0]
    assert pol.host_ok("localhost:5000")[0]
    assert pol.host_ok("[::1]:5000")[0]
    ok, why = pol.host_ok("evil.example:5000")
    assert not ok and "DNS rebinding" in why
    assert not pol.host_ok("localhost:5001")[0]
    assert not pol.host_ok(None)[0]
    # An IP literal other than loopback is refused on a loopback-only server.
    assert not pol.host_ok("10.0.0.1:5000")[0]
    # Origin is checked against the list, not against the request's own Host.
    assert pol.origin_ok("http://localhost:5000")[0]
    assert not pol.origin_ok("http://evil.example:5000")[0]
    assert not pol.origin_ok("http://localhost:3000")[0]
    assert not pol.origin_ok("null")[0]
    assert pol.origin_ok(None)[0]


def test_wildcard_server_accepts_ip_literals_and_allowed_names_only() -> None:
    pol = HostPolicy.make("0.0.0.0", 8000, ["teacher.lan"])
    assert pol.host_ok("192.168.1.20:8000")[0]
    assert pol.host_ok("teacher.lan:8000")[0]
    assert not pol.host_ok("evil.example:8000")[0]
    assert pol.origin_ok("http://192.168.1.20:8000")[0]
    assert not pol.origin_ok("http://evil.example:8000")[0]

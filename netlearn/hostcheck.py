"""Which Host and Origin a local server accepts: the defence against DNS rebinding.

A page on `http://evil.example:P` can make its own name resolve to 127.0.0.1 (DNS rebinding) and
then talk to a server on this machine. Its requests still carry `Host: evil.example:P` and
`Origin: http://evil.example:P`, so comparing Origin with the request's own Host proves nothing.
A server that may be reached that way accepts only Host names it knows: the loopback names, the
name it was bound to, and the names the user allowed (`--allow-host`). An IP-literal Host is safe
to accept on a server bound to every address (a page cannot serve itself from somebody else's IP),
and a classroom needs it: students type the teacher's address. Origin must name one of the
accepted hosts on the server's own port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def split_host(value: str) -> tuple[str, int | None] | None:
    """`"localhost:8080"` -> ("localhost", 8080); `"[::1]:80"` -> ("::1", 80); None if malformed."""
    value = value.strip()
    if not value or len(value) > 255 or any(c in value for c in " /\\@?#"):
        return None
    port: int | None = None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if not _is_ip(name):
            return None
        if rest:
            if not rest.startswith(":"):
                return None
            rest = rest[1:]
            if not rest.isdigit() or len(rest) > 5:
                return None
            port = int(rest)
    else:
        if value.count(":") > 1:
            return None  # a bare IPv6 address must be in brackets in a Host header
        name, _, rest = value.partition(":")
        if _:
            if not rest.isdigit() or len(rest) > 5:
                return None
            port = int(rest)
    if port is not None and not 0 < port < 65536:
        return None
    return name.lower().rstrip("."), port


@dataclass(frozen=True)
class HostPolicy:
    """The names a server on `bind_host:port` answers to."""

    bind_host: str
    port: int
    allowed: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def make(cls, bind_host: str, port: int, allow: list[str] | tuple[str, ...] = ()) -> HostPolicy:
        names = set(LOOPBACK_NAMES)
        bind = bind_host.strip("[]").lower()
        if bind not in WILDCARDS:
            names.add(bind)
        names.update(a.strip().strip("[]").lower().rstrip(".") for a in allow if a.strip())
        return cls(bind_host=bind, port=port, allowed=frozenset(names))

    @property
    def wildcard(self) -> bool:
        return self.bind_host in WILDCARDS

    def name_ok(self, name: str) -> bool:
        return name in self.allowed or (self.wildcard and _is_ip(name))

    def names(self) -> str:
        """The accepted names, for an error message."""
        shown = sorted(self.allowed - {"::1"}) + ["[::1]"]
        return ", ".join(shown) + (" or any IP address" if self.wildcard else "")

    def host_ok(self, host: str | None) -> tuple[bool, str]:
        """Is this Host header one of ours? (False, why) otherwise."""
        if host is None:
            return False, "no Host header (HTTP/1.1 requires one, RFC 9110 §7.2)"
        parsed = split_host(host)
        if parsed is None:
            return False, f"Host {host[:80]!r} is not a host name"
        name, port = parsed
        if not self.name_ok(name):
            return False, (
                f"Host {host[:80]} is not a name this server answers to ({self.names()}); "
                "a page that rebinds its own name to this machine (DNS rebinding) sends such a Host"
            )
        if port is not None and port != self.port:
            return False, f"Host {host[:80]} names port {port}, but this server is on {self.port}"
        return True, f"Host {host} is this server"

    def origin_ok(self, origin: str | None) -> tuple[bool, str]:
        """Is this Origin one of this server's own pages? A missing Origin is not a browser."""
        if origin is None:
            return True, "no Origin header: not a browser (browsers always send one)"
        try:
            parts = urlsplit(origin.strip())
            port = parts.port
        except ValueError:
            return False, f"Origin {origin[:80]!r} is not an origin"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False, f"Origin {origin[:80]} is not this server's page"
        name = parts.hostname.lower().rstrip(".")
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        if not self.name_ok(name) or port != self.port:
            return False, (
                f"Origin {origin[:80]} is not this server's page "
                f"(http://NAME:{self.port}, NAME one of {self.names()})"
            )
        return True, f"Origin {origin} is this server's own page"

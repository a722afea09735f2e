"""Labs: the learner writes the program, netlearn grades its bytes and explains each mistake.

`LABS` lists the labs' modules in the learner's order; each exports `LAB: Lab`
(`netlearn.labs.core`). They are imported only when a lab is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from netlearn.labs.core import Lab

LABS: tuple[str, ...] = (
    "netlearn.labs.tcp_echo",
    "netlearn.labs.websocket_client",
    "netlearn.labs.websocket_server",
    "netlearn.labs.socketio_client",
)


def lab_names() -> list[str]:
    """The labs' names, in order (from the module names: tcp_echo -> tcp-echo)."""
    return [module.rsplit(".", 1)[1].replace("_", "-") for module in LABS]


def get_lab(name: str) -> Lab:
    """The lab called `name`; a NetlearnError naming the labs if there is none."""
    names = lab_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise NetlearnError(f"no lab {name!r}{hint}; the labs are: {', '.join(names)}")
    module = importlib.import_module(LABS[names.index(name)])
    return module.LAB  # type: ignore[no-any-return]

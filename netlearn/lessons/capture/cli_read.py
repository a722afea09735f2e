"""`netlearn capture --read FILE` and `--replay`: a capture file listed, a connection in the
ladder, a packet in the layer inspector; and the checks of the command's options."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import typer

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.options import show, uses_app

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import Event, PacketView

# Reading a file never waits: its lines are flushed in batches of this many events.
BATCH = 256


class Look(NamedTuple):
    """How the scene is shown: the export file, presenter mode, the export's theme."""

    export: Path | None = None
    present: bool = False
    theme: str = "dark"

    def show(self, events: Iterable[Event], env: Env, export: bool = True) -> list[Event]:
        return show(
            events,
            env,
            self.export if export else None,
            present=self.present,
            theme=self.theme,
        )

    def in_app(self, env: Env) -> bool:
        """The full-screen player: a learner at a terminal, nothing to export, not presenting."""
        return self.export is None and not self.present and uses_app(env)


def inspect(env: Env, view: PacketView) -> int:
    """A packet in the interactive layer inspector (the full-screen app); its exit code."""
    from netlearn.app.inspector import InspectorScreen
    from netlearn.app.shell import run_app

    return run_app(env, InspectorScreen(view))


def check_options(
    port: int | None,
    count: int | None,
    duration: float | None,
    write: Path | None,
    read: Path | None,
    stream: int | None,
    osi_packet: int | None,
    replay: bool,
) -> None:
    """Refuse options that do not go together, and a --write target that is not a plain file."""
    if read is not None and replay:
        raise NetlearnError(say("capture.cli.errors.read-and-replay"))
    offline = read is not None or replay
    if offline and port is not None:
        raise NetlearnError(say("capture.cli.errors.port-offline"))
    if offline and write is not None:
        raise NetlearnError(say("capture.cli.errors.write-offline"))
    if (count is not None or duration is not None) and port is None:
        raise NetlearnError(say("capture.cli.errors.count-without-port"))
    if stream is not None and not offline:
        raise NetlearnError(say("capture.cli.errors.stream-offline"))
    if osi_packet is not None and port is not None:
        raise NetlearnError(say("capture.cli.errors.osi-with-port"))
    if write is not None and write.suffix.lower() not in (".pcap", ".cap"):
        raise NetlearnError(say("capture.cli.errors.write-suffix", name=repr(write.name)))
    if write is not None:
        from netlearn.safefile import check_target

        check_target(write)  # a symlink, FIFO or folder there: refused before capturing


def read_file(
    env: Env,
    path: Path,
    stream: int | None,
    osi_packet: int | None,
    look: Look,
    replay: bool = False,
) -> None:
    """A capture file: its connections, one of them in the ladder (`stream`) or a packet in the
    layer inspector (`osi_packet`)."""
    if osi_packet is not None:
        from netlearn.packets.pcap_view import from_file

        view = from_file(path, osi_packet)
        if look.in_app(env):
            code = inspect(env, view)
            if code:
                raise typer.Exit(code)
            return
        look.show([view], env)
        return
    if stream is not None:
        from itertools import chain

        from netlearn.lessons.capture.demo import replay as replay_story
        from netlearn.lessons.capture.listing import stream_summary

        # The ladder, then the connection's line of the listing with its findings in words.
        look.show(chain(replay_story(env, path, stream), stream_summary(path, stream)), env)
        return
    from netlearn.lessons.capture.listing import listing
    from netlearn.render import run_scene

    run_scene(listing(env, path), env, look.export, theme=look.theme, batch=BATCH)

"""`netlearn capture`: real TCP segments from this machine's loopback, in the ladder view."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from netlearn.cli.app import app
from netlearn.cli.common import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
    show,
    uses_app,
)
from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import Event, PacketView

# Reading a file never waits: its lines are flushed in batches of this many events.
BATCH = 256
REPLAY_HINT = "`netlearn capture --replay` shows a real loopback capture recorded earlier"


@app.command("capture")
def capture(
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            "-p",
            help="Watch connections to this port until Ctrl-C.",
            min=1,
            max=65535,
            metavar="N",
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", "-c", help="With --port: stop after N segments.", min=1, metavar="N"
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", "-d", help="With --port: stop after SECONDS.", min=0.1, metavar="SECONDS"
        ),
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            "-w",
            help="Also save the packets to FILE.pcap (readable by you only).",
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    read: Annotated[
        Path | None,
        typer.Option(
            "--read",
            "-r",
            help="List the TCP connections in FILE (pcap or pcapng); needs no privilege.",
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    stream: Annotated[
        int | None,
        typer.Option(
            "--stream",
            "-s",
            help="With --read: show connection N in the ladder.",
            min=1,
            metavar="N",
        ),
    ] = None,
    follow: Annotated[
        int | None,
        typer.Option(
            "--follow",
            help="With --read: the bytes each side of connection N sent, reassembled.",
            min=1,
            metavar="N",
        ),
    ] = None,
    osi_packet: Annotated[
        int | None,
        typer.Option("--osi", help="Open packet N in the OSI layer inspector.", min=1, metavar="N"),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay", help="Replay the real capture bundled with netlearn (no privilege)."
        ),
    ] = False,
    iface: Annotated[
        str, typer.Option("--iface", "-i", help="Network interface to capture on.", metavar="NAME")
    ] = "lo",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="With --port: only the counter and summary.")
    ] = False,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Capture real TCP handshakes on loopback and show them in the ladder.

    With no options: a server and a client on 127.0.0.1 talk while netlearn captures them.
    Capturing needs root or CAP_NET_RAW; without it the demo runs in a private network
    namespace of your own (Linux), where it needs none. --port needs it; --read and --replay
    do not.

    On a terminal the demo runs full-screen, one part of the connection per Enter (q or Ctrl-C
    stop it), and --osi N opens the interactive layer inspector.
    """
    from netlearn.render import check_theme

    check_theme(theme)
    env = build_env(fmt, speed=speed)
    look = Look(export=export, present=present, theme=theme)
    _check_options(port, count, duration, write, read, stream, osi_packet, replay)
    if follow is not None:
        if read is None or stream is not None or osi_packet is not None:
            raise NetlearnError("--follow N goes with --read FILE (without --stream or --osi)")
        from netlearn.lessons.capture.follow import follow as follow_stream
        from netlearn.render import run_scene

        run_scene(follow_stream(read, follow), env, export, theme=theme, batch=BATCH)
    elif read is not None:
        _read(env, read, stream, osi_packet, look)
    elif replay:
        from netlearn.lessons.capture.demo import bundled_capture

        _read(env, bundled_capture(), stream or 1, osi_packet, look, replay=True)
    elif port is not None:
        # Segments come as fast as the programs send them: draw each at once, no animation.
        env = build_env(fmt, speed=speed, animate=False)
        _watch(env, port, iface, count, duration, write, quiet, look)
    else:
        _demo(env, iface, write, osi_packet, look)


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


def _inspect(env: Env, view: PacketView) -> int:
    """A packet in the interactive layer inspector (the full-screen app); its exit code."""
    from netlearn.app.inspector import InspectorScreen
    from netlearn.app.shell import run_app

    return run_app(env, InspectorScreen(view))


def _check_options(
    port: int | None,
    count: int | None,
    duration: float | None,
    write: Path | None,
    read: Path | None,
    stream: int | None,
    osi_packet: int | None,
    replay: bool,
) -> None:
    if read is not None and replay:
        raise NetlearnError("use --read FILE or --replay, not both")
    offline = read is not None or replay
    if offline and port is not None:
        raise NetlearnError("--port captures live; it cannot be combined with --read or --replay")
    if offline and write is not None:
        raise NetlearnError("--write saves a live capture; with --read the file already exists")
    if (count is not None or duration is not None) and port is None:
        raise NetlearnError("--count and --duration go with --port N")
    if stream is not None and not offline:
        raise NetlearnError("--stream N goes with --read FILE (or --replay)")
    if osi_packet is not None and port is not None:
        raise NetlearnError(
            "--osi N opens a packet of --read FILE, --replay or the demo; with --port, save "
            "with --write FILE.pcap and open it with --read FILE.pcap --osi N"
        )
    if write is not None and write.suffix.lower() not in (".pcap", ".cap"):
        raise NetlearnError(f"--write makes a pcap file: name it *.pcap, not {write.name!r}")
    if write is not None:
        from netlearn.safefile import check_target

        check_target(write)  # a symlink, FIFO or folder there: refused before capturing


def _read(
    env: Env,
    path: Path,
    stream: int | None,
    osi_packet: int | None,
    look: Look,
    replay: bool = False,
) -> None:
    import netlearn.lessons.capture.render  # noqa: F401

    if osi_packet is not None:
        from netlearn.packets.pcap_view import from_file

        view = from_file(path, osi_packet)
        if look.in_app(env):
            code = _inspect(env, view)
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


def _denied(env, why: str) -> bool:  # type: ignore[no-untyped-def]
    """Say what is missing; on a terminal, offer the replay. True when the learner accepts."""
    if not env.interactive:
        raise NetlearnError(f"{why}. Meanwhile, {REPLAY_HINT}.")
    print(f"netlearn: {why}.", file=env.stderr)
    env.stdout.write("Replay a real capture recorded on loopback instead? [Y/n] ")
    env.stdout.flush()
    answer = env.stdin.readline()
    if answer.strip().lower() in ("", "y", "yes"):
        return True
    raise NetlearnError(f"nothing captured. Later, {REPLAY_HINT}.")


def _demo(env: Env, iface: str, write: Path | None, osi_packet: int | None, look: Look) -> None:
    from netlearn.lessons.capture.demo import demo, private_demo
    from netlearn.live.capture import can_capture, needs_private_net
    from netlearn.live.sniffer import is_loopback
    from netlearn.packets.headers import TcpPacket

    ok, why = can_capture(iface)
    if ok and not is_loopback(iface):
        raise NetlearnError(
            f"the demo talks over 127.0.0.1, which never crosses {iface!r}: capture another "
            f"interface with --port N --iface {iface}"
        )
    in_app = look.in_app(env)
    # Without the privilege: the same demo in a private network namespace, where it needs none.
    # (Forked here, before the full-screen app starts any thread.)
    private: Any = None
    if not ok and needs_private_net(iface):
        private = _private_told(env, write) if in_app else private_demo(env, write=write)
    if not ok and private is None:
        ok, why = can_capture(iface)  # now also saying why no namespace could be made
        if "CAP_NET_RAW" not in why:
            raise NetlearnError(why)
        if _denied(env, why):
            from netlearn.lessons.capture.demo import bundled_capture

            _read(env, bundled_capture(), 1, osi_packet, look, replay=True)
        return
    kept: list[TcpPacket] = []
    if in_app:
        from netlearn.lessons.capture.demo import told_live

        told = (
            private if private is not None else told_live(env, iface=iface, write=write, keep=kept)
        )
        finished = _live(env, told)
        if private is not None:
            kept = private.result or []
        if not finished:
            return  # stopped by the learner (q): nothing to open
    else:
        events = private if private is not None else demo(env, iface=iface, write=write, keep=kept)
        try:
            look.show(events, env)
        finally:
            events.close()
        if private is not None:
            kept = private.result or []
    if osi_packet is not None:
        from netlearn.packets.pcap_view import from_list

        view = from_list(kept, osi_packet, "the demo capture")
        if in_app:
            code = _inspect(env, view)
            if code:
                raise typer.Exit(code)
        else:
            look.show([view], env, export=False)
    elif env.interactive and kept:
        _inspect_loop(env, kept, look)


# The demo's parts on the full-screen player, one per Enter (`netlearn.lessons.capture.demo.PARTS`).
PART_TITLES = {
    "handshake": "opening: the three-way handshake",
    "data": "the data and its acknowledgments",
    "close": "closing: FIN, ACK and TIME-WAIT",
}


def _private_told(env: Env, write: Path | None) -> Any:
    """`told_live()` in a private network namespace (None when refused); its `result`, once
    every event is read, is the list of captured packets."""
    from netlearn.live.capture import run_private

    def produce():  # type: ignore[no-untyped-def]
        from netlearn.lessons.capture.demo import told_live

        kept: list = []
        yield from told_live(env, iface="lo", write=write, keep=kept)
        return kept

    return run_private(produce)


def in_parts(told: Iterator[tuple[str, Event]], finished: list[bool]) -> Iterator[Event]:
    """The demo's tagged events with a `Progress` as each part of the connection begins (after
    the title), so the full-screen player steps through them; closing this closes `told` (its
    sockets and capture, or the namespace's child). `finished` gets True at the end."""
    from netlearn.events import Progress, Title
    from netlearn.lessons.capture.demo import PARTS

    current = ""
    try:
        for part, event in told:
            if part != current and not (current == "" and isinstance(event, Title)):
                current = part
                yield Progress(
                    lesson="capture-demo",
                    step_id=part,
                    index=PARTS.index(part),
                    total=len(PARTS),
                    title=PART_TITLES[part],
                )
            yield event
        finished.append(True)
    finally:
        close = getattr(told, "close", None)
        if close is not None:
            close()


def _live(env: Env, told: Iterator[tuple[str, Event]]) -> bool:
    """The live demo in the full-screen player; True when it ran to its end."""
    from netlearn.app.live import run_live

    finished: list[bool] = []
    run_live(
        env,
        in_parts(told, finished),
        title="A real TCP connection, captured live",
        noun="part",
        stopped="Stopped; sockets closed, capture ended.",
    )
    return bool(finished)


def _inspect_loop(env: Env, kept: list[Any], look: Look) -> None:
    """On a terminal: open packets of the demo in the inspector until Enter (the interactive
    one, full-screen, when the app runs; q there comes back to this question)."""
    from netlearn.packets.pcap_view import from_list

    while True:
        env.stdout.write(
            f"Open a packet in the OSI inspector: its number (1-{len(kept)}), or Enter to end: "
        )
        env.stdout.flush()
        answer = env.stdin.readline().strip()
        if not answer:
            return
        if not answer.isdigit() or not 1 <= int(answer) <= len(kept):
            env.stdout.write(f"  a number from 1 to {len(kept)}, please\n")
            continue
        view = from_list(kept, int(answer), "the demo capture")
        if look.in_app(env):
            code = _inspect(env, view)
            if code:
                raise typer.Exit(code)
        else:
            look.show([view], env, export=False)


def _watch(
    env: Env,
    port: int,
    iface: str,
    count: int | None,
    duration: float | None,
    write: Path | None,
    quiet: bool,
    look: Look,
) -> None:
    """Segments as the programs send them (never paged: --present changes nothing here)."""
    from netlearn.lessons.capture.render import stop_counters
    from netlearn.lessons.capture.watch import Watch
    from netlearn.live.capture import can_capture

    ok, why = can_capture(iface)
    if not ok and "CAP_NET_RAW" in why:
        raise NetlearnError(
            f"--port watches your own program on this machine's {iface!r}, which needs the "
            "privilege to capture there (CAP_NET_RAW): a private network namespace has a "
            'loopback of its own, where your program is not. Run it with sudo: sudo "$(command '
            '-v netlearn)" '
            f"capture --port {port}. Without sudo, `netlearn capture` (no --port) captures its "
            f"own demo connection in a private namespace; and {REPLAY_HINT}."
        )
    if not ok:
        raise NetlearnError(why)
    watch = Watch(env, port, iface=iface, count=count, duration=duration, write=write, quiet=quiet)
    watch.start()
    seen: list = []
    interrupted = False
    events = watch.events()

    def tee():  # type: ignore[no-untyped-def]
        for event in events:
            seen.append(event)
            yield event

    try:
        show(tee(), env)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        events.close()
        stop_counters()
        watch.stop()
    tail = show(watch.summary(), env)
    if look.export is not None:
        from netlearn.render import export_events

        export_events([*seen, *tail], look.export, title=f"port {port}", theme=look.theme)
    if interrupted:
        raise NetlearnError("stopped (Ctrl-C)", exit_code=130)

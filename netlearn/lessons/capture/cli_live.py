"""`netlearn capture` live: the demo connection (here, or in a private network namespace; in
the full-screen player on a terminal) and `--port N`, watching a program of the learner's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.lessons.capture.cli_read import Look, inspect, read_file
from netlearn.options import show

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import Event


def _hint() -> str:
    return say("capture.cli.errors.replay-hint")


def denied(env: Env, why: str) -> bool:
    """Say what is missing; on a terminal, offer the replay. True when the learner accepts."""
    if not env.interactive:
        raise NetlearnError(say("capture.cli.errors.denied", why=why, hint=_hint()))
    print(f"netlearn: {why}.", file=env.stderr)
    env.stdout.write(say("capture.cli.demo.offer-replay"))
    env.stdout.flush()
    answer = env.stdin.readline()
    if answer.strip().lower() in ("", "y", "yes"):
        return True
    raise NetlearnError(say("capture.cli.errors.nothing", hint=_hint()))


def run_demo(env: Env, iface: str, write: Path | None, osi_packet: int | None, look: Look) -> None:
    from netlearn.lessons.capture.demo import demo, private_demo
    from netlearn.live.capture import can_capture, needs_private_net
    from netlearn.live.sniffer import is_loopback
    from netlearn.packets.headers import TcpPacket

    ok, why = can_capture(iface)
    if ok and not is_loopback(iface):
        raise NetlearnError(
            say("capture.cli.errors.not-loopback", iface_quoted=repr(iface), iface=iface)
        )
    in_app = look.in_app(env)
    # Without the privilege: the same demo in a private network namespace, where it needs none.
    # (Forked here, before the full-screen app starts any thread.)
    private: Any = None
    if not ok and needs_private_net(iface):
        private = private_told(env, write) if in_app else private_demo(env, write=write)
    if not ok and private is None:
        ok, why = can_capture(iface)  # now also saying why no namespace could be made
        if "CAP_NET_RAW" not in why:
            raise NetlearnError(why)
        if denied(env, why):
            from netlearn.lessons.capture.demo import bundled_capture

            read_file(env, bundled_capture(), 1, osi_packet, look, replay=True)
        return
    kept: list[TcpPacket] = []
    if in_app:
        from netlearn.lessons.capture.demo import told_live

        told = (
            private if private is not None else told_live(env, iface=iface, write=write, keep=kept)
        )
        finished = live(env, told)
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
            code = inspect(env, view)
            if code:
                raise typer.Exit(code)
        else:
            look.show([view], env, export=False)
    elif env.interactive and kept:
        inspect_loop(env, kept, look)


def private_told(env: Env, write: Path | None) -> Any:
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
                    title=say(f"capture.cli.demo.parts.{part}"),
                )
            yield event
        finished.append(True)
    finally:
        close = getattr(told, "close", None)
        if close is not None:
            close()


def live(env: Env, told: Iterator[tuple[str, Event]]) -> bool:
    """The live demo in the full-screen player; True when it ran to its end."""
    from netlearn.app.live import run_live

    finished: list[bool] = []
    run_live(
        env,
        in_parts(told, finished),
        title=say("capture.cli.demo.live-title"),
        noun="part",
        stopped=say("capture.cli.demo.live-stopped"),
    )
    return bool(finished)


def inspect_loop(env: Env, kept: list[Any], look: Look) -> None:
    """On a terminal: open packets of the demo in the inspector until Enter (the interactive
    one, full-screen, when the app runs; q there comes back to this question)."""
    from netlearn.packets.pcap_view import from_list

    while True:
        env.stdout.write(say("capture.cli.demo.open-prompt", last=len(kept)))
        env.stdout.flush()
        answer = env.stdin.readline().strip()
        if not answer:
            return
        if not answer.isdigit() or not 1 <= int(answer) <= len(kept):
            env.stdout.write(say("capture.cli.demo.open-again", last=len(kept)) + "\n")
            continue
        view = from_list(kept, int(answer), "the demo capture")
        if look.in_app(env):
            code = inspect(env, view)
            if code:
                raise typer.Exit(code)
        else:
            look.show([view], env, export=False)


def watch(
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
            say(
                "capture.cli.errors.watch-denied",
                iface_quoted=repr(iface),
                port=port,
                hint=_hint(),
            )
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
        raise NetlearnError(say("capture.cli.errors.stopped"), exit_code=130)

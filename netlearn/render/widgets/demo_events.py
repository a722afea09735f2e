"""Events for the widgets' runnable demos, made from the core alone (`netlearn.packets`,
`netlearn.events`): a widget never imports a lesson, not even for its demo."""

from __future__ import annotations

from netlearn.events import Event, WindowSample


def open_and_close() -> list[Event]:
    """A connection opened and closed between two sockets on 127.0.0.1: real packets from
    `netlearn.packets.tcp`, numbered as Wireshark does (the ladder's runnable demo)."""
    from netlearn.events import Peers, StateChange
    from netlearn.packets.tcp import RelativeNumbers, build, segment_event

    numbers = RelativeNumbers()
    c, s = ("client", "127.0.0.1", 50000, 1000), ("server", "127.0.0.1", 8080, 5000)
    events: list[Event] = [Peers(left="client", right="server")]
    steps = [  # sender, flags, its sequence offset, acked offset of the other side, data
        (c, "S", 0, None, b""),
        (s, "SA", 0, 1, b""),
        (c, "A", 1, 1, b""),
        (c, "PA", 1, 1, b"hi"),
        (s, "A", 1, 3, b""),
        (c, "FA", 3, 1, b""),
        (s, "FA", 1, 4, b""),
        (c, "A", 4, 2, b""),
    ]
    changes = {  # after step i: (side, old state, new state)
        0: [("client", "CLOSED", "SYN-SENT")],
        1: [("server", "LISTEN", "SYN-RECEIVED")],
        2: [("client", "SYN-SENT", "ESTABLISHED"), ("server", "SYN-RECEIVED", "ESTABLISHED")],
        5: [("client", "ESTABLISHED", "FIN-WAIT-1"), ("server", "ESTABLISHED", "CLOSE-WAIT")],
        6: [("server", "CLOSE-WAIT", "LAST-ACK"), ("client", "FIN-WAIT-1", "TIME-WAIT")],
        7: [("server", "LAST-ACK", "CLOSED")],
    }
    for i, (me, flags, off, acked, data) in enumerate(steps):
        other = s if me is c else c
        raw = build(
            src=me[1],
            dst=other[1],
            sport=me[2],
            dport=other[2],
            seq=me[3] + off,
            ack=0 if acked is None else other[3] + acked,
            flags=flags,
            window=65535,
            payload=data,
        )
        t = 0.001 * i
        events.append(segment_event(raw, src=me[0], dst=other[0], t=t, numbers=numbers))
        for side, old, new in changes.get(i, ()):
            events.append(StateChange(t=t, side=side, old=old, new=new))
    return events


def window_samples(smss: int = 1460) -> list[WindowSample]:
    """Slow start doubling to a loss, the threshold halved, then one segment more per round
    trip (the window chart's runnable demo)."""
    samples, cwnd, ssthresh, t = [], smss, None, 0.0
    for _ in range(14):
        phase = "slow start" if ssthresh is None or cwnd < ssthresh else "congestion avoidance"
        samples.append(
            WindowSample(
                t=t,
                side="client",
                cwnd=cwnd,
                ssthresh=ssthresh,
                flight=cwnd * 3 // 4,
                rwnd=65535,
                phase=phase,
            )
        )
        t += 0.1
        if cwnd >= 16 * smss and ssthresh is None:  # a loss: halve and start again from one
            ssthresh, cwnd = cwnd // 2, smss
        elif ssthresh is None or cwnd < ssthresh:
            cwnd *= 2
        else:
            cwnd += smss
    return samples

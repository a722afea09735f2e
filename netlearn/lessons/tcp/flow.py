"""Flow control, RFC 9293 section 3.8.6: the usable window and the persist timer.

A receiver whose program stops reading closes its window to zero. The sender must then keep
asking, because the ACK that reopens the window may be lost: the persist timer sends a probe of
one byte of new data (section 3.8.6.1, RFC 1122 4.2.2.17), with an exponentially growing
interval, for as long as the receiver keeps answering (MUST-36: do not close the connection).
"""

from __future__ import annotations

from netlearn.packets import tcp as sg


def usable_window(snd_una: int, snd_wnd: int, snd_nxt: int) -> int:
    """How many new bytes the receiver's window still allows: SND.UNA + SND.WND - SND.NXT
    (RFC 9293 section 3.8.6.2.1), never negative."""
    room = (sg.seq_add(snd_una, snd_wnd) - snd_nxt) % 2**32
    return 0 if room >= 2**31 else room


def persist_interval(rto: float, probes: int, maximum: float) -> float:
    """The wait before the next zero-window probe: the RTO, doubled after each probe, capped
    (Linux caps it at TCP_RTO_MAX, 120 s)."""
    return min(rto * 2**probes, maximum)

"""`netlearn capture --read FILE`: the TCP connections a capture holds, found fast.

One pass over the file: each record's IP and TCP headers are read with `struct` and fed to the
connection tracker; nothing is dissected by scapy. A 100,000-packet file lists in well under a
second. `--stream N` then picks one connection's packets for the ladder.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note
from netlearn.lessons.capture.events import CaptureSummary, Connection, OtherTraffic
from netlearn.lessons.capture.fastpath import observe, open_syn, synack
from netlearn.lessons.capture.others import classify, new_counts
from netlearn.lessons.capture.summary import Summarizer
from netlearn.packets.capture_analysis import count_findings, in_order
from netlearn.packets.headers import IP4_TCP, LINKTYPE_NAMES, TcpPacket, ip_damage, parse
from netlearn.packets.pcapio import Damage, iter_records
from netlearn.packets.tracker import CLIENT, SERVER, Conn, Tracker


@dataclass
class Scan:
    """The result of one pass over a capture file."""

    tracker: Tracker
    records: int
    tcp: int
    first_ts: float
    last_ts: float
    linktype: int  # of the first record; -1 for an empty file
    damage: list[Damage]  # damaged records (skipped) and damaged IP headers (not TCP)
    others: dict[str, int] = field(default_factory=new_counts)  # frames that are not TCP


def scan(path: Path, fast: bool = True) -> Scan:
    """Every TCP connection in the file, with exact counts; damaged records are listed.

    Every segment could go through `Tracker.update` (states, and the analysis) with a
    `TcpPacket` made for it. With `fast`, the common ones do not: IPv4 in Ethernet is read here
    inline and a connection's first SYN, its SYN-ACK, and ACKs and FINs in order take the
    short paths of `netlearn.lessons.capture.fastpath` (or only their counts move, for data and ACKs
    once both sides are established). Anything else, or any finding but the few the short
    path checks, goes through `Tracker.update`. `fast=False` is the reference for the tests.
    """
    # The cyclic garbage collector would walk every connection kept so far, again and again
    # (a quarter of the time on a big file): nothing here makes cycles, so it waits.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan(path, fast)
    finally:
        if collecting:
            gc.enable()


def _scan(path: Path, fast: bool) -> Scan:
    tracker = Tracker(keep=None)
    update = tracker.update
    by_key = tracker._by_key
    unpack = IP4_TCP.unpack_from
    records = tcp = 0
    first_ts = last_ts = 0.0
    first_linktype = -1
    damage: list[Damage] = []
    others = new_counts()
    for records, (ts, linktype, frame) in enumerate(iter_records(path, damage), start=1):
        if records == 1:
            first_ts, first_linktype = ts, linktype
        last_ts = ts
        if fast and linktype == 1 and len(frame) >= 54 and frame[12:15] == b"\x08\x00\x45":
            # IPv4 in Ethernet, no IP options: what `parse` does first, inline.
            total, frag, proto, src, dst, sport, dport, seq, ack, off_flags, window = unpack(
                frame, 14
            )
            hlen = (off_flags >> 12) * 4
            if proto != 6 or frag & 0x1FFF or hlen < 20:
                classify(frame, linktype, others)  # not TCP, a later fragment, or damaged
                continue
            seglen = (total or len(frame) - 14) - 20 - hlen  # 0: offload (see headers.parse)
            if seglen < 0:
                seglen = 0
            tcp += 1
            flags = off_flags & 0x1FF
            key = (src, sport, dst, dport)
            hit = by_key.get(key)
            if hit is not None:
                conn, side = hit
                if flags & 0x16 == 0x10:  # ACK, no SYN or RST (maybe a FIN)
                    an = conn.analysis
                    fwd, rev = (an.client, an.server) if side == CLIENT else (an.server, an.client)
                    if seq == fwd.nextseq:
                        fin = flags & 0x01
                        found = in_order(an, fwd, rev, seq, ack, seglen, fin, window, ts, records)
                        if found >= 0:
                            tracker.total_packets += 1
                            if found:
                                pkt = parse(frame, linktype, ts, records)
                                count_findings(an, found, pkt, side, conn.state[side])
                            if conn.steady and not fin:
                                conn.packets += 1
                                conn.last_ts = ts
                                conn.data_bytes[side] += seglen
                            else:
                                t = ts - (tracker.t0 or 0.0)
                                observe(conn, side, flags, seq, ack, seglen, ts, t)
                            continue
                elif flags & 0x17 == 0x12:  # SYN-ACK
                    options = frame[54 : 34 + hlen] if hlen > 20 else None
                    if synack(tracker, conn, side, ts, records, seq, ack, seglen, window, options):
                        continue
            elif flags & 0x17 == 0x02:  # a SYN on new endpoints
                options = frame[54 : 34 + hlen] if hlen > 20 else None
                if open_syn(tracker, ts, records, key, seq, seglen, window, options):
                    continue
            update(
                TcpPacket(
                    ts,
                    frame,
                    1,
                    14,
                    34,
                    34 + hlen,
                    src,
                    dst,
                    sport,
                    dport,
                    seq,
                    ack,
                    flags,
                    window,
                    seglen,
                    records,
                )
            )
            continue
        pkt = parse(frame, linktype, ts, records)
        if pkt is not None:
            tcp += 1
            update(pkt)
        else:
            why = ip_damage(frame, linktype)
            if why is not None:
                damage.append(Damage(records, -1, why))
            else:
                classify(frame, linktype, others)
    damage.sort(key=lambda d: d.record or 0)
    return Scan(tracker, records, tcp, first_ts, last_ts, first_linktype, damage, others)


def damage_note(damage: list[Damage], shown: int = 3) -> Note:
    """One warning naming the first damaged records: which, where, and why."""
    lines = [f"- {d}" for d in damage[:shown]]
    if len(damage) > shown:
        lines.append(say("capture.listing.damaged-more", n=len(damage) - shown))
    many = (
        say("capture.listing.damaged-one")
        if len(damage) == 1
        else say("capture.listing.damaged-many")
    )
    head = say("capture.listing.damaged", count=f"{len(damage):,}", many=many)
    text = head + "\n" + "\n".join(lines)
    return Note(text=text, tone="warn")


def stream_packets(path: Path, stream: int) -> list[TcpPacket]:
    """The packets of connection number `stream` (as `--read` numbers them), in file order."""
    tracker = Tracker(keep=None)
    out: list[TcpPacket] = []
    for number, (ts, linktype, frame) in enumerate(iter_records(path), start=1):
        pkt = parse(frame, linktype, ts, number)
        if pkt is None:
            continue
        if tracker.update(pkt).index == stream:
            out.append(pkt)
    return out


def stream_summary(path: Path, stream: int) -> Iterator[Event]:
    """After the ladder of `--stream N`: connection N as the listing shows it, findings too."""
    result = scan(path)
    conns = result.tracker.connections()
    if not 1 <= stream <= len(conns):
        return
    event = connection_event(conns[stream - 1], result.first_ts)
    tail = (
        say("capture.listing.stream-findings")
        if event.findings
        else say("capture.listing.stream-clean")
    )
    yield Note(text=say("capture.listing.stream-summary", stream=stream, tail=tail), tone="explain")
    yield event


def connection_event(conn: Conn, t0: float, summarize: Summarizer | None = None) -> Connection:
    """A connection as the listing shows it (`summarize`: a listing's one `Summarizer`)."""
    told = summarize or Summarizer()
    findings = tuple(told(conn, t0)) if conn.analysis.total else ()
    return Connection(
        t=round(conn.first_ts - t0, 6),
        stream=conn.index,
        client=conn.endpoint(CLIENT),
        server=conn.endpoint(SERVER),
        opened_by="client" if conn.syn_seen else "unknown",
        handshake=conn.handshake_text(),
        irtt=round(conn.irtt, 9) if conn.irtt is not None else None,
        packets=conn.packets,
        client_bytes=conn.data_bytes[CLIENT],
        server_bytes=conn.data_bytes[SERVER],
        ended=conn.ending_text(),
        first_packet=conn.first_number,
        analysis=conn.analysis.json_counts(),
        findings=findings,
    )


def listing(env: Env, path: Path, fast: bool = True) -> Iterator[Event]:
    """The capture's summary, then one event per TCP connection (`fast`: see `scan`)."""
    collecting = gc.isenabled()
    gc.disable()  # see `scan`: the events made here make no cycles either
    try:
        result = scan(path, fast)
        conns = result.tracker.connections()
        yield from _listing(result, conns, path)
    finally:
        if collecting:
            gc.enable()


def _listing(result: Scan, conns: list[Conn], path: Path) -> Iterator[Event]:
    yield CaptureSummary(
        source=path.name,
        packets=result.records,
        tcp_packets=result.tcp,
        connections=len(conns),
        duration=round(result.last_ts - result.first_ts, 6),
        linktype=LINKTYPE_NAMES.get(result.linktype)
        or say("capture.listing.link-type", linktype=result.linktype),
        shown=len(conns),
    )
    if result.damage:
        yield damage_note(result.damage)
    t0 = result.first_ts
    summarize = Summarizer()
    for conn in conns:
        yield connection_event(conn, t0, summarize)
    if any(result.others.values()):
        yield OtherTraffic(counts={k: n for k, n in result.others.items() if n})
    if conns:
        yield Note(text=say("capture.listing.next", n=len(conns)), tone="tip")
    elif result.records:
        yield Note(text=say("capture.listing.no-tcp"), tone="warn")

"""Benchmarks for `netlearn capture`, each a ratio against a baseline measured in the same run.

1. Live: a burst of connections to a local port, captured at the same time by
   `netlearn capture --port P` and by tcpdump. The SYNs each saw must be equal (none lost);
   the CPU time netlearn spent per captured packet is printed beside tcpdump's.
2. Offline: a generated 100,000-packet pcap, listed by `netlearn capture --read FILE` and
   by `tshark -r FILE -Y tcp.flags.syn==1`. Target: netlearn / tshark <= 1.0, wall clock
   and CPU time (user + system, from wait4: on a busy machine CPU is the steadier figure).

Run as root (live capture needs CAP_NET_RAW):  python bench/capture_bench.py [--burst 500]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NETLEARN = [sys.executable, "-m", "netlearn"]


# ---------------------------------------------------------------------- a synthetic capture


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _frame(
    src: int,
    dst: int,
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: int,
    payload: bytes,
    ident: int,
) -> bytes:
    """Ethernet (zero MACs, as on loopback) / IPv4 / TCP with correct checksums."""
    saddr, daddr = struct.pack("!I", src), struct.pack("!I", dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    ck = _checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", ck) + tcp[18:]
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0x4000, 64, 6, 0, saddr, daddr
    )
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload


def _connection(i: int) -> list[tuple[bool, int, int, bytes]]:
    """One connection's segments as (from client?, flags, payload, ...) in order."""
    S, A, F, R, P = 0x02, 0x10, 0x01, 0x04, 0x08
    if i % 20 == 7:  # refused: nobody listening
        return [(True, S, b""), (False, R | A, b"")]  # type: ignore[list-item]
    if i % 50 == 11:  # no answer at all
        return [(True, S, b"")]  # type: ignore[list-item]
    req = b"GET /item/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % i
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    segs = [
        (True, S, b""),
        (False, S | A, b""),
        (True, A, b""),
        (True, P | A, req),
        (False, A, b""),
        (False, P | A, resp),
        (True, A, b""),
    ]
    if i % 25 == 3:
        return [*segs, (True, R | A, b"")]  # type: ignore[list-item]
    return [*segs, (True, F | A, b""), (False, F | A, b""), (True, A, b"")]  # type: ignore[list-item]


def generate(path: Path, packets: int = 100_000) -> int:
    """Write a pcap of about `packets` TCP segments from many interleaved connections."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    client_ip, server_ip = 0x7F000001, 0x7F000001
    ts = 1_700_000_000.0
    written = 0
    active: list[list] = []
    i = 0
    while written < packets:
        while len(active) < 8:
            cisn, sisn = (i * 2654435761) & 0xFFFFFFFF, (i * 40503 + 12345) & 0xFFFFFFFF
            active.append([i, _connection(i), 0, cisn, sisn, 20000 + i % 40000])
            i += 1
        conn = active[written % len(active)]
        idx, segs, pos, cisn, sisn, cport = conn
        from_client, flags, payload = segs[pos]
        # Sequence numbers: track what each side has sent so far.
        sent_c = sum(len(p) + (1 if f & 0x03 else 0) for c, f, p in segs[:pos] if c)
        sent_s = sum(len(p) + (1 if f & 0x03 else 0) for c, f, p in segs[:pos] if not c)
        if from_client:
            seq, ack = (cisn + sent_c) & 0xFFFFFFFF, (sisn + sent_s) & 0xFFFFFFFF
            frame = _frame(
                client_ip,
                server_ip,
                cport,
                8080,
                seq,
                ack if flags & 0x10 else 0,
                flags,
                payload,
                written,
            )
        else:
            seq, ack = (sisn + sent_s) & 0xFFFFFFFF, (cisn + sent_c) & 0xFFFFFFFF
            frame = _frame(server_ip, client_ip, 8080, cport, seq, ack, flags, payload, written)
        ts += 0.00001
        sec = int(ts)
        out += struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(frame), len(frame)) + frame
        written += 1
        conn[2] += 1
        if conn[2] == len(segs):
            active.remove(conn)
    path.write_bytes(bytes(out))
    return written


# ---------------------------------------------------------------------- timing helpers


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (user + system, from wait4 on the child) of one run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.read()[-500:]!r}")
        out.seek(0)
        return wall, _cpu(usage), out.read().decode()


def bench_read(tmp: Path, runs: int = 3) -> float:
    pcap = tmp / "bench-100k.pcap"
    count = generate(pcap)
    env = {**os.environ, "COLUMNS": "120"}
    ours_wall, ours_cpu, their_wall, their_cpu = [], [], [], []
    ours_out = tshark_out = ""
    for _ in range(runs):  # alternate, so that both see the same load on a shared machine
        wall, cpu, ours_out = _timed(
            [*NETLEARN, "capture", "--read", str(pcap), "--format", "plain"], env
        )
        ours_wall.append(wall)
        ours_cpu.append(cpu)
        wall, cpu, tshark_out = _timed(["tshark", "-r", str(pcap), "-Y", "tcp.flags.syn==1"])
        their_wall.append(wall)
        their_cpu.append(cpu)
    ours, theirs = min(ours_wall), min(their_wall)
    ours_c, theirs_c = min(ours_cpu), min(their_cpu)
    conns = len(re.findall(r"^\s*\d+\s+\S+ [>?] ", ours_out, flags=re.M))
    tshark_syns = subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.count("\n")
    syn_lines = tshark_out.count("\n")
    print(f"--read of a {count}-packet capture (best of {runs} runs, wall clock and CPU)")
    print(
        f"  netlearn capture --read: {ours:.3f} s wall, {ours_c:.3f} s CPU, "
        f"{conns} connections listed"
    )
    print(
        f"  tshark -Y tcp.flags.syn==1: {theirs:.3f} s wall, {theirs_c:.3f} s CPU, "
        f"{syn_lines} SYN and SYN-ACK lines ({tshark_syns} SYNs without ACK: one per connection)"
    )
    print(f"  ratio netlearn / tshark, wall clock = {ours / theirs:.2f}  (target <= 1.0)")
    print(f"  ratio netlearn / tshark, CPU        = {ours_c / theirs_c:.2f}  (target <= 1.0)")
    return ours / theirs


# ---------------------------------------------------------------------- the live burst


def _serve(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        with conn:
            try:
                conn.recv(64)
                conn.sendall(b"ok\n")
            except OSError:
                pass


def _wait_for(stream, pattern: str, timeout: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    """Read lines from a child's pipe until one matches (the child is ready)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise RuntimeError(f"never saw {pattern!r}; got {''.join(seen)!r}")


def _syns_in(pcap: Path) -> int:
    out = subprocess.run(
        ["tcpdump", "-nr", str(pcap), "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.count("\n")


def _capture_run(port: int, connections: int, dump: Path | None, *extra: str):  # type: ignore[no-untyped-def]
    """Run `netlearn capture --port` (and tcpdump) around a burst; return outputs and rusage."""
    tcpdump = None
    if dump is not None:
        tcpdump = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-U", "-Z", "root", "-w", str(dump)]
            + [f"tcp port {port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    ours = subprocess.Popen(
        [*NETLEARN, "capture", "--port", str(port), "--format", "plain", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    collected: list[str] = []
    reader = threading.Thread(target=lambda: collected.extend(ours.stdout), daemon=True)
    burst = 0.0
    try:
        if tcpdump is not None:
            _wait_for(tcpdump.stderr, r"listening on")
        _wait_for(ours.stdout, r"^Filter:")
        reader.start()  # keep reading netlearn's output, or it would block on a full pipe
        start = time.perf_counter()
        for i in range(connections):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"ping %d\n" % i)
                c.recv(16)
        burst = time.perf_counter() - start
        time.sleep(2.5)  # let both read what the kernel queued (tcpdump hands blocks on at 1 s)
    finally:
        procs = [ours] if tcpdump is None else [ours, tcpdump]
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        usages = [os.wait4(proc.pid, 0)[2] for proc in procs]
        for proc in procs:
            proc.returncode = 0
    reader.join(timeout=10)
    return "".join(collected), usages, burst


def _cpu(usage) -> float:  # type: ignore[no-untyped-def]
    return float(usage.ru_utime + usage.ru_stime)


def bench_burst(tmp: Path, connections: int) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    port = listener.getsockname()[1]
    stop = threading.Event()
    server = threading.Thread(target=_serve, args=(listener, stop), daemon=True)
    server.start()
    dump = tmp / "tcpdump.pcap"
    try:
        _idle_out, (idle,), _ = _capture_run(port, 0, None)  # start-up and waiting alone
        out, (ours_usage, dump_usage), burst = _capture_run(port, connections, dump)
        quiet_out, (quiet_usage,), _ = _capture_run(port, connections, None, "--quiet")
    finally:
        stop.set()
        listener.close()
    match = re.search(r"Captured (\d+) packets, (\d+) SYN", out)
    if not match:
        raise RuntimeError(f"no final counter in netlearn's output: {out[-500:]!r}")
    packets, syns = int(match.group(1)), int(match.group(2))
    dump_syns = _syns_in(dump)
    dump_packets = int(
        subprocess.run(
            ["tcpdump", "-nr", str(dump)], capture_output=True, text=True, check=True
        ).stdout.count("\n")
    )
    ours_cpu, dump_cpu = _cpu(ours_usage), _cpu(dump_usage)
    marginal = max(0.0, ours_cpu - _cpu(idle))
    print(f"burst of {connections} connections to 127.0.0.1:{port} in {burst:.2f} s")
    print(
        f"  SYNs seen: netlearn {syns}, tcpdump {dump_syns}  -> "
        f"{'equal, none lost' if syns == dump_syns else 'DIFFERENT'}"
    )
    print(f"  packets seen: netlearn {packets}, tcpdump {dump_packets}")
    print(
        f"  CPU per captured packet (ladder drawn for each, plain text): netlearn "
        f"{marginal / max(packets, 1) * 1e6:.0f} µs beyond its {_cpu(idle):.2f} s of start-up; "
        f"tcpdump {dump_cpu / max(dump_packets, 1) * 1e6:.1f} µs (writing a file)"
    )
    per_packet = dump_cpu / max(dump_packets, 1)
    print(
        f"  ratio netlearn / tcpdump CPU per packet = "
        f"{marginal / max(packets, 1) / max(per_packet, 1e-9):.1f}"
    )
    quiet = re.search(r"Captured (\d+) packets, (\d+) SYN", quiet_out)
    if quiet:
        q_packets, q_syns = int(quiet.group(1)), int(quiet.group(2))
        q_cpu = max(0.0, _cpu(quiet_usage) - _cpu(idle))
        print(
            f"  with --quiet (counting and tracking, no ladder): {q_syns} SYNs of {connections}, "
            f"{q_cpu / max(q_packets, 1) * 1e6:.0f} µs per packet, ratio "
            f"{q_cpu / max(q_packets, 1) / max(per_packet, 1e-9):.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=500, help="connections in the live burst")
    parser.add_argument("--skip-live", action="store_true", help="only the --read benchmark")
    parser.add_argument("--runs", type=int, default=3, help="runs of --read (best one counts)")
    args = parser.parse_args()
    for tool in ("tshark", "tcpdump"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix="netlearn-bench-") as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)  # tcpdump may drop to its own user before writing
        if not args.skip_live:
            if os.geteuid() != 0:
                sys.exit("the live benchmark captures packets: run it as root (or --skip-live)")
            bench_burst(tmp, args.burst)
        bench_read(tmp, max(1, args.runs))


if __name__ == "__main__":
    main()

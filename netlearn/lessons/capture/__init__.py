"""Capture real TCP traffic on loopback and show it with the same events as the simulation.

The pieces, each one idea:

- `headers`: the IPv4/IPv6 and TCP headers of a frame, read with `struct` (fast, no scapy);
- `options`: TCP options decoded from their bytes, each with what it means and its RFC;
- `pcapio`: pcap and pcapng files, read record by record and written owner-only;
- `bpf`: the kernel filter, compiled by libpcap, attached to a packet socket;
- `sniffer`: the packet socket itself (each loopback segment once, kernel drop counts);
- `tracker`: connections, sides, relative sequence numbers and the RFC 9293 states seen;
- `socktable`: the kernel's own table of TCP sockets (`/proc/net/tcp`), for TIME-WAIT;
- `live`: `can_capture()` and `LiveCapture`, the small API other lessons use;
- `story`: the annotated ladder of one connection (demo, replay, `--read --stream`);
- `osiview`: one captured packet in the OSI inspector (scapy dissects only that one);
- `demo`, `watch`, `listing`: the producers behind `netlearn capture`.
"""

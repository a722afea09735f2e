"""TCP, simulated: a sans-I/O endpoint driven by RFC 9293's state table, and the lesson's scenarios.

- `states`: the eleven connection states of RFC 9293 section 3.3.2.
- `table`: every legal transition as data (state, event) -> (next state, actions).
- `endpoint`: one TCP endpoint that takes real IP/TCP bytes in and gives bytes and events out.
- `segments`: building and checking real scapy packets, and Wireshark's relative numbers.
- `sim`: two endpoints joined by a wire with a delay, a clock, timers and losses.
- `scenarios`: the lesson's scenarios (handshake, transfer, close, reset, lost-syn,
  simultaneous-open) as traces of events and captured packets.
- `pcap`: writing a trace's packets as a capture file Wireshark and tshark open.
"""

"""Old path of `netlearn.lessons.osi.scenes.read_packet`, kept while tests/test_fuzz_pcap.py and
tests/test_capture_damaged.py import it from here."""

from netlearn.lessons.osi.scenes import read_packet

__all__ = ["read_packet"]

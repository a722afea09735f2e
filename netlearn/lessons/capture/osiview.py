"""Old path of `netlearn.packets.pcap_view`, kept for files other parts of netlearn own that still
import it from here (tests/test_safefile.py, tests/test_fuzz_pcap.py,
netlearn/lessons/osi/pcapfile.py).
The module itself answers: monkeypatching either name patches the one module."""

import sys

from netlearn.packets import pcap_view as _moved

sys.modules[__name__] = _moved

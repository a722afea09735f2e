"""Every key the capture code looks up by a computed name has its words."""

from __future__ import annotations

from netlearn.packets.capture_findings import FINDINGS


def test_every_finding_has_a_tag_and_an_explanation() -> None:
    for f in FINDINGS:
        assert f.tag and f.why.endswith("."), f.key
        f.fill(f.why, "client", 2, 14, "ESTABLISHED")  # its placeholders are the known ones
        f.fill(f.tag, "server", 2, 14, "ESTABLISHED")

"""Every key the capture code looks up by a computed name has its words."""

from __future__ import annotations

from netlearn.packets.capture_findings import FINDINGS


def test_every_finding_has_a_tag_and_an_explanation() -> None:
    for f in FINDINGS:
        assert f.tag and f.why.endswith("."), f.key
        f.fill(f.why, "client", 2, 14, "ESTABLISHED")  # its placeholders are the known ones
        f.fill(f.tag, "server", 2, 14, "ESTABLISHED")


def test_every_demo_part_has_a_title() -> None:
    from netlearn.content.words import say
    from netlearn.lessons.capture.demo import PARTS

    for part in PARTS:
        assert say(f"capture.cli.demo.parts.{part}")


def test_bpf_jumps_and_values_have_words() -> None:
    from netlearn.content.words import say, table
    from netlearn.live import capture_bpf

    for op in ("jeq", "jset"):
        assert say(f"core.capture.bpf.{op}", k="0x1", what="x", yes=1, no=2)
    values = table("core.capture.bpf.values")
    assert set(capture_bpf._VALUES.values()) | {"outgoing"} <= set(values)
    assert capture_bpf._DIRECTION in table("core.capture.bpf.loads")


def test_every_quiz_field_is_named() -> None:
    from netlearn.content.words import table
    from netlearn.lessons.capture.quiz import FIELDS

    names = table("capture.quiz.fields")
    assert {f"{layer}.{field}" for layer, field in FIELDS} == set(names)


def test_every_tcp_option_has_a_name_and_a_meaning() -> None:
    from netlearn.packets.capture_options import decode

    area = bytes(
        [2, 4, 5, 180, 3, 3, 20, 4, 2, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2]
        + [8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 34, 2, 30, 3, 0, 99, 2, 1, 0]
    )
    opts = decode(area, syn=True)
    assert {o.about for o in opts} == {
        "mss", "window-scale", "sack-permitted", "sack", "timestamps", "fast-open", "mptcp",
        "unknown", "no-operation", "end",
    }  # fmt: skip
    for opt in [*opts, *decode(bytes([2, 9]))]:
        assert opt.name and opt.meaning, opt

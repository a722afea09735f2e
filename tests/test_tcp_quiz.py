"""The what-if quiz generator: its answer is what a what-if run of the simulator did."""

from __future__ import annotations

import random
import re

from netlearn.lessons.tcp.quiz import what_if_next
from netlearn.packets import tcp as sg


def test_answer_is_the_retransmission_the_run_made() -> None:
    kinds = set()
    for seed in range(12):
        asked = what_if_next(random.Random(seed), None)  # type: ignore[arg-type]
        [right] = [asked.choices[i] for i in asked.correct]
        lost, again = (sg.parse(p) for p in asked.packets)
        assert (again.seq, again.payload) == (lost.seq, lost.payload)  # the same bytes
        m = re.match(r"seq (\d+) again at ([\d.]+) s, (.*)", right)
        assert m is not None, right
        n = int(re.search(r"seq (\d+),", asked.prompt).group(1))  # type: ignore[union-attr]
        assert int(m.group(1)) == n
        kinds.add("duplicate" in m.group(3))
        lengths = [len(c) for c in asked.choices]
        assert max(lengths) < 2 * min(lengths)  # no answer stands out by its length
        assert len(set(asked.choices)) == 4
    assert kinds == {True, False}  # both fast retransmit and the timer come up

"""Facts the TCP lesson, its quiz and its narration once got wrong (issue 12), each checked so
it cannot return. Where a fact is about behaviour, the check uses the real thing: Linux's own
TCP on 127.0.0.1, the simulation's packets, the generators' questions."""

from __future__ import annotations

import os
import random
import re
import socket
import time
from functools import cache
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.paths import lessons_dir

ROOT = Path(__file__).parents[1]


def lesson() -> str:
    return (lessons_dir() / "tcp" / "lesson.md").read_text(encoding="utf-8")


def quiz() -> str:
    return (lessons_dir() / "tcp" / "quiz.toml").read_text(encoding="utf-8")


def step(step_id: str) -> str:
    body = lesson()
    at = body.index("{#" + step_id + "}")
    end = body.find("\n## ", at)
    return body[at : end if end >= 0 else len(body)]


def narration() -> str:
    """Every word the TCP lesson's code prints: its words files, the states glossary, and what
    is left in the code (netlearn/lessons/tcp/, the shared TCP state table)."""
    from netlearn.content.words import words_files

    files = sorted((ROOT / "netlearn" / "lessons" / "tcp").glob("*.py"))
    files = [f for f in files if f.name != "__init__.py"]  # the spec: scene summaries, not prose
    files += [ROOT / "netlearn" / "packets" / "tcp_states.py"]
    files += words_files(lessons_dir() / "tcp")
    files += [lessons_dir() / "glossary" / "tcp-states.toml"]
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    return re.sub(r"\\\n", "", text)  # a TOML string continued on the next line


@cache
def plain() -> str:
    """The whole lesson as `netlearn learn tcp --format plain` prints it at 80 columns."""
    env = {**os.environ, "COLUMNS": "80", "NETLEARN_HOME": "/nonexistent-netlearn-home"}
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        env["NETLEARN_HOME"] = home
        out = run_netlearn(["learn", "tcp", "--format", "plain"], env=env, timeout=60)
        assert out.returncode == 0, out.stderr
    return out.stdout


def plain_steps() -> dict[str, list[str]]:
    steps: dict[str, list[str]] = {}
    name = ""
    for line in plain().splitlines():
        if line.startswith("--- Step "):
            name = line
            steps[name] = []
        elif name:
            steps[name].append(line)
    return steps


# ---------------------------------------------------------------- TIME-WAIT (RFC 9293 3.6.1)


def test_time_wait_does_not_forbid_a_new_connection() -> None:
    body = lesson() + quiz() + narration()
    assert "cannot start meanwhile" not in body
    text = step("time-wait")
    for needed in ("MAY-2", "RFC 6191", "tcp_tw_reuse", "connect()", "SO_REUSEADDR"):
        assert needed in text, needed


def _tcp_states(port: int) -> set[str]:
    """States of the sockets on local port `port`, read from /proc/net/tcp (06 = TIME-WAIT)."""
    states = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            states.add(fields[3])
    return states


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux")
@pytest.mark.timeout(20)
def test_linux_reopens_a_connection_in_time_wait() -> None:
    """The side that closed first is in TIME-WAIT; a new SYN from the same address and port
    reopens the same four-tuple at once (RFC 9293 3.6.1 MAY-2), as the lesson says."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    client.bind(("127.0.0.1", 0))
    client_port = client.getsockname()[1]
    client.connect(("127.0.0.1", port))
    conn, _ = listener.accept()
    conn.close()  # the server closes first: it will be the one in TIME-WAIT
    client.settimeout(5)
    assert client.recv(1) == b""
    client.close()
    for _ in range(100):  # bounded: the last ACK crosses loopback in microseconds
        if "06" in _tcp_states(port) and "09" not in _tcp_states(client_port):
            break
        time.sleep(0.01)
    assert "06" in _tcp_states(port)  # TIME-WAIT on the server's side of the four-tuple
    again = socket.socket()
    again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    again.bind(("127.0.0.1", client_port))
    again.settimeout(5)
    again.connect(("127.0.0.1", port))  # the same four-tuple, while TIME-WAIT lasts
    conn2, peer = listener.accept()
    assert peer == ("127.0.0.1", client_port)
    again.sendall(b"ping")
    assert conn2.recv(4) == b"ping"
    for s in (again, conn2, listener):
        s.close()


# ---------------------------------------------------------------- timers that close


def test_time_wait_is_not_the_only_timer_that_closes() -> None:
    assert "only move caused by a timer alone" not in lesson()
    text = step("states-notes")
    assert "3.10.8" in text and "3.8.3" in text and "user timeout" in text


def test_the_simulation_closes_on_too_many_retransmissions() -> None:
    from netlearn.packets.tcp_states import SYNCHRONIZED, State
    from netlearn.packets.tcp_table import Input, state_changes

    gives_up = {r.source for r in state_changes() if r.event is Input.GIVE_UP}
    assert State.ESTABLISHED in gives_up and gives_up <= set(SYNCHRONIZED) | {
        State.SYN_SENT,
        State.SYN_RECEIVED,
    }
    assert all(r.target is State.CLOSED for r in state_changes() if r.event is Input.GIVE_UP)


# ---------------------------------------------------------------- references between steps


def test_references_to_other_steps_name_real_steps() -> None:
    from netlearn.content.lesson import parse

    body = lesson()
    for phrase in ("step after next", "next step", "previous step", "more on that below"):
        assert phrase not in body.lower(), phrase
    assert not re.search(r"\b(ladder|transfer|you saw) above\b", body)
    titles = [s.title for s in parse(lessons_dir() / "tcp" / "lesson.md").steps]
    named = re.findall(r'the steps? "([^"]+)"(?: and "([^"]+)")?', body)
    assert named
    for pair in named:
        for title in filter(None, pair):
            assert title in titles, title


# ---------------------------------------------------------------- initial sequence numbers


def test_isns_are_not_called_random() -> None:
    heading = next(line for line in lesson().splitlines() if "{#isn}" in line)
    assert "random" not in heading.lower()
    text = step("isn")
    assert "clock" in text and "keyed hash" in text and "RFC 6528" in text
    assert "predict" in text and "seed" in text
    assert "random ISN" not in narration() and "random initial" not in narration()
    assert "cannot guess" not in narration()


def test_the_seeded_simulation_is_guessable() -> None:
    """What the lesson says of netlearn's own ISNs: the same seed gives the same numbers."""
    from netlearn.lessons.tcp import scenarios

    one = [s.seq for s in scenarios.handshake(random.Random(7)).segments()[:2]]
    two = [s.seq for s in scenarios.handshake(random.Random(7)).segments()[:2]]
    assert one == two


# ---------------------------------------------------------------- SYN retries (Linux 6.5+)


def linux_syn_schedule(retries: int, linear: int) -> tuple[list[float], float]:
    """Send times of the SYN's resends and when connect() fails, per Linux's
    Documentation/networking/ip-sysctl.rst (tcp_syn_retries, tcp_syn_linear_timeouts)."""
    sends, t, rto = [], 0.0, 1.0
    for i in range(retries + linear):
        t += rto
        sends.append(t)
        if i >= linear:
            rto *= 2
    return sends, t + rto


def test_syn_retry_numbers_agree_with_linux() -> None:
    old, fail_old = linux_syn_schedule(6, 0)
    new, fail_new = linux_syn_schedule(6, 4)
    assert old == [1, 3, 7, 15, 31, 63] and fail_old == 127
    assert len(new) == 10 and new[-1] == 67 and fail_new == 131
    text = step("syn-backoff")
    assert "1, 3, 7, 15, 31 and 63 s" in text and "127 s" in text
    assert "10 resends, the last at 67 s" in text and "131 s" in text
    assert "tries 6 times" not in quiz()
    assert "tcp_syn_linear_timeouts" in quiz() and "131 s" in quiz()


def test_the_simulation_gives_up_after_six_resends_and_says_why() -> None:
    from netlearn.errors import NetlearnError
    from netlearn.lessons.tcp import scenarios
    from netlearn.lessons.tcp.protocol import Config

    assert Config().syn_retries == 6
    with pytest.raises(NetlearnError, match="before 6.5"):
        scenarios.run("lost-syn", random.Random(1), losses=7)
    trace = scenarios.run("lost-syn", random.Random(1), losses=6)
    syns = [s.t for s in trace.segments() if s.flags == "S"]
    assert [round(t - syns[0]) for t in syns] == [0, 1, 3, 7, 15, 31, 63]  # plain doubling


# ---------------------------------------------------------------- receive window, loss


def test_window_advance_rule_is_a_minimum() -> None:
    body = lesson() + narration()
    assert "one MSS or half the buffer" not in body
    assert "at least one MSS, so that" not in body
    assert "min(one MSS, half the buffer)" in step("window")


def test_how_the_sender_learns_of_a_loss() -> None:
    assert "which is how the sender finds out" not in lesson()
    text = step("transfer-rules")
    assert "retransmission timer" in text and "duplicate ACKs" in text


# ---------------------------------------------------------------- names and definitions


def test_tcb_and_msl_are_defined_where_first_printed() -> None:
    out = plain()
    for term, words in (("TCB", "transmission control block"), ("MSL", "maximum segment lifetime")):
        at = out.find(term)
        assert at >= 0, term
        para = out[out.rfind("\n\n", 0, at) + 1 : out.find("\n\n", at)]
        assert words in " ".join(para.lower().split()), (term, para[:200])


def test_one_name_for_the_synack_and_for_ae() -> None:
    for source in (lesson(), quiz(), narration()):
        assert "SYN,ACK" not in source
    assert "**AE**" in lesson() and "formerly NS" in narration()
    assert not re.search(r"\bNS\b(?! until)", lesson())


def test_no_text_points_at_material_the_learner_never_saw() -> None:
    body = re.sub(r"^from_notes = .*$", "", lesson() + quiz(), flags=re.M).lower()
    for phrase in ("the notes", "notes'", "tutorials'", "the tutorials"):
        assert phrase not in body, phrase


def test_the_friend_question_is_answered_in_the_body() -> None:
    from netlearn.content.lesson import SceneRef, parse

    steps = {s.id: s for s in parse(lessons_dir() / "tcp" / "lesson.md").steps}
    words = " ".join(
        b.markdown for b in steps["handshake-friend"].blocks if not isinstance(b, SceneRef)
    )
    assert "friend" in words and "three messages" in words and "numbered" in words


# ---------------------------------------------------------------- the printed lesson


def test_no_explanation_is_printed_twice_in_a_row() -> None:
    """No sentence is printed twice within a step or in two steps one after the other."""
    before: set[str] = set()
    for name, lines in plain_steps().items():
        words = [x for x in lines if not re.match(r"\d+\.\d+s |    ", x)]  # ladder lines
        text = " ".join(" ".join(words).split())
        here: set[str] = set()
        for sentence in re.split(r"(?<=[.!?:])\s+", text):
            if len(sentence) < 60 or re.search(r"\d{6,}|===", sentence):
                continue  # labels and scene titles repeat; sentences with ISNs differ by run
            assert sentence not in here and sentence not in before, (sentence, name)
            here.add(sentence)
        before = here


# Steps whose one scene alone is taller than two screens (a ladder or a table drawn whole):
# their words are still bounded below.
SCENE_BOUND = {"first-segment", "states", "loss-recovery", "timeout", "congestion", "zero-window"}


def test_steps_fit_in_two_screens() -> None:
    from netlearn.content.lesson import SceneRef, parse
    from netlearn.render.registry import wrap_markdown

    parsed = parse(lessons_dir() / "tcp" / "lesson.md").steps
    printed = list(plain_steps().values())
    assert len(printed) == len(parsed)
    for s, lines in zip(parsed, printed, strict=True):
        words = sum(
            len(wrap_markdown(b.markdown, 80)) + 1 for b in s.blocks if not isinstance(b, SceneRef)
        )
        assert words <= 48, (s.id, words)
        if s.id not in SCENE_BOUND:
            assert len(lines) <= 52, (s.id, len(lines))  # 48 and the blank lines between steps


def test_step_ids_the_progress_store_knows_are_kept() -> None:
    from netlearn.content.lesson import parse

    kept = [
        "what-tcp-promises", "header-flags", "handshake", "why-three", "isn", "relative-numbers",
        "transfer", "window", "close", "time-wait", "states", "reset", "lost-syn",
        "loss-recovery", "timeout", "congestion", "zero-window", "kernel", "simultaneous-open",
        "syn-flood", "try-it",
    ]  # fmt: skip
    have = [s.id for s in parse(lessons_dir() / "tcp" / "lesson.md").steps]
    assert set(kept) <= set(have), set(kept) - set(have)


# ---------------------------------------------------------------- quiz balance


def test_tcp_bank_is_enforced_by_netlearn_check() -> None:
    from netlearn.quiz.bank import load_all
    from netlearn.quiz.check import BALANCE_PENDING, longest_bias

    assert "tcp" not in BALANCE_PENDING
    questions, _ = load_all()
    [bias] = [b for b in longest_bias(questions) if b.lesson == "tcp"]
    assert bias.longest <= bias.expected and not bias.flagged


def test_tcp_answers_are_spread_over_the_letters() -> None:
    from netlearn.quiz.bank import load_all

    questions, _ = load_all()
    letters = [q.answer[0] for q in questions if q.lesson == "tcp" and q.kind == "choice"]
    assert max(letters.count(x) for x in "abcd") <= len(letters) // 2


def test_generated_what_if_is_not_won_by_the_longest_choice() -> None:
    from netlearn.quiz.bank import load_all
    from netlearn.quiz.generators import generate

    questions, _ = load_all()
    [q] = [q for q in questions if q.id == "tcp-gen-what-if"]
    wins = 0.0
    seeds = range(120)
    for seed in seeds:
        asked = generate(q, random.Random(seed))
        lengths = [len(c) for c in asked.choices]
        longest = [i for i, n in enumerate(lengths) if n == max(lengths)]
        if asked.correct[0] in longest:
            wins += 1 / len(longest)  # a learner picking the longest, at random among ties
    assert wins / len(seeds) <= 0.35, wins / len(seeds)


def test_lesson_scenes_leave_the_explaining_to_the_lesson() -> None:
    """The scenario's own closing notes said again what the lesson's text says beside each
    scene (the handshake, the flags, the ISNs...): in the lesson, scenes show, the text tells."""
    from io import StringIO

    from netlearn.content.lesson import SceneRef, parse
    from netlearn.env import Env
    from netlearn.events import Note, Table
    from netlearn.scenes import play

    refs = [
        b
        for s in parse(lessons_dir() / "tcp" / "lesson.md").steps
        for b in s.blocks
        if isinstance(b, SceneRef) and b.name != "tcp.kernel"
    ]
    assert len(refs) >= 10
    for ref in refs:
        env = Env.build("plain", stdout=StringIO(), width=80, seed=3)
        events = list(play(ref.name, env, ref.args))
        notes = [e.text for e in events if isinstance(e, Note)]
        assert all(n.startswith("... and ") for n in notes), (ref.name, notes)
        for table in (e for e in events if isinstance(e, Table)):
            assert "cannot guess" not in (table.caption or "")
            assert "take up a sequence number" not in (table.caption or "")

"""Broken lesson content gives one clear line and exit 1, never a traceback (issue 16).

Each test copies the shipped `lessons/` to a temporary folder, breaks one thing, points netlearn at
the copy with `NETLEARN_LESSONS`, and runs the CLI in a subprocess as a learner would (stdout a
pipe). `netlearn check` must name the same problem with `file:line`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from netlearn.content.checker import check
from netlearn.content.lesson import MAX_CONTENT_BYTES, ContentError
from netlearn.errors import NetlearnError

REPO = Path(__file__).resolve().parent.parent
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    """A private copy of the shipped lessons, to break."""
    root = tmp_path / "lessons"
    shutil.copytree(REPO / "lessons", root)
    return root


@pytest.fixture
def cli(run_cli: Run, lessons: Path) -> Run:
    """`cli("learn", "osi")`: the CLI on the copy, with empty standard input."""

    def run(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli(*args, input=input, env={"NETLEARN_LESSONS": str(lessons)}, timeout=60)

    return run


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The run failed with exit 1 and exactly one `netlearn: ...` line holding `words`."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("netlearn: "), line
    for word in words:
        assert word in line, (word, line)
    return line


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in a file; the line its first character was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text.count("\n", 0, text.index(old)) + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def checked(root: Path, where: str) -> ContentError:
    """`netlearn check`'s problem that starts with `where` (file:line)."""
    problems = check(root)
    assert problems, "the checker passed broken content"
    found = [p for p in problems if str(p).startswith(where)]
    assert found, (where, [str(p) for p in problems])
    return found[0]


# --- the lesson text ------------------------------------------------------------------------

SCENE_BREAKS = [
    # (old, new, words in the message)
    ("osi.layers order=down", "osi.layers ordr=down", "takes no argument 'ordr'"),
    ("osi.layers order=down", "osi.layers order=sideways", "order='sideways': choose one of"),
    ("osi.layer n=4", "osi.layer n=9", "n='9': give a layer number from 1 to 7"),
    ("osi.encapsulate packet=http", "osi.encapsulate packet=htp", "did you mean 'http'?"),
    ("::: scene osi.tcpip", "::: scene osi.tcpipp", "unknown scene 'osi.tcpipp'"),
    ("osi.layers order=down", "osi.layers order=up order=down", "given twice"),
]


@pytest.mark.parametrize(("old", "new", "words"), SCENE_BREAKS)
def test_a_bad_scene_in_a_lesson_is_one_line(
    cli: Run, lessons: Path, old: str, new: str, words: str
) -> None:
    path = lessons / "osi" / "lesson.md"
    line = edit(path, old, new)
    where = f"{path}:{line}: "
    one_line(cli("learn", "osi"), where, words, "netlearn check")
    assert words in checked(lessons, where).message


def test_check_command_reports_a_bad_value_with_file_and_line(cli: Run, lessons: Path) -> None:
    path = lessons / "osi" / "lesson.md"
    line = edit(path, "osi.layers order=down", "osi.layers order=sideways")
    result = cli("check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}:{line}: scene 'osi.layers': order='sideways'" in result.stdout


def _missing(path: Path) -> None:
    path.unlink()


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _fifo(path: Path) -> None:  # reading it would block forever
    path.unlink()
    os.mkfifo(path)


def _not_utf8(path: Path) -> None:
    path.write_bytes(b"# Title\n\n## Step\nna\xefve \xff text\n")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _no_steps(path: Path) -> None:
    path.write_text("# Title\n\nJust an introduction.\n")


def _huge(path: Path) -> None:  # sparse: big on paper, no disk used; must not be read whole
    with path.open("r+b") as handle:
        handle.truncate(MAX_CONTENT_BYTES * 512)


FILE_BREAKS = [
    (_missing, "lessons.toml:4: ", "osi/lesson.md is missing"),
    (_folder, "osi/lesson.md: ", "is a folder, not a file"),
    (_fifo, "osi/lesson.md: ", "is not a regular file"),
    (_not_utf8, "osi/lesson.md:4: ", "not UTF-8 text (byte 0xef)"),
    (_empty, "osi/lesson.md:1: ", "the lesson is empty"),
    (_no_steps, "osi/lesson.md:1: ", "has no steps"),
    (_huge, "osi/lesson.md: ", "is larger than 2048 KiB"),
]


@pytest.mark.parametrize(("breaker", "where", "words"), FILE_BREAKS)
def test_a_broken_lesson_file_is_one_line(
    cli: Run, lessons: Path, breaker: Callable[[Path], None], where: str, words: str
) -> None:
    breaker(lessons / "osi" / "lesson.md")
    one_line(cli("learn", "osi"), f"{lessons}/{where}", words, "netlearn check")
    assert words in checked(lessons, f"{lessons}/{where}").message


def test_the_home_screen_lists_the_sound_lessons_beside_a_broken_one(
    cli: Run, lessons: Path
) -> None:
    _fifo(lessons / "osi" / "lesson.md")
    for args in [(), ("lessons",)]:
        result = cli(*args)
        one_line(result, "osi/lesson.md: is not a regular file")
        table = result.stdout
        for lesson in ("tcp", "capture", "websocket", "socketio"):
            assert f"id: {lesson};" in table
        assert re.search(r"id: osi;[^-]*status:\s+broken", table), table
        if not args:  # the next lesson suggested is a sound one
            assert "netlearn learn tcp" in table and "netlearn learn osi" not in table
    # The sound lessons still run.
    done = cli("learn", "tcp", "--step", "99")
    one_line(done, "lesson 'tcp' has")


# --- the manifest, lessons.toml -------------------------------------------------------------

MANIFEST_BREAKS = [
    # (old, new, file:line suffix, words); the tcp entry starts on line 10
    ('id = "tcp"', "[[lesson]\nid = 'tcp'", ":11: ", "not valid TOML"),
    ("minutes = 35\n", "", ":10: ", "lesson 2 has no 'minutes'"),
    ("minutes = 35", 'minutes = "35"', ":10: ", "'minutes' must be a int"),
    ('id = "tcp"', 'id = "osi"', ":10: ", "duplicate lesson id 'osi' (first at line 4)"),
    ('id = "tcp"', 'id = "tcpx"', ":10: ", "tcpx/lesson.md is missing"),
    ('id = "tcp"', 'id = "tcp"\nfile = 3', ":10: ", "'file' must be a path"),
    ('id = "tcp"', 'id = "tcp"\nfile = "../../etc/passwd"', ":10: ", "inside the lessons folder"),
    ('id = "tcp"', 'id = "TCP"', ":10: ", "lowercase letters"),
]


@pytest.mark.parametrize(("old", "new", "where", "words"), MANIFEST_BREAKS)
def test_a_broken_manifest_is_one_line(
    cli: Run, lessons: Path, old: str, new: str, where: str, words: str
) -> None:
    manifest = lessons / "lessons.toml"
    edit(manifest, old, new)
    where = f"{manifest}{where}"
    whole = "TOML" in words  # the file cannot be read at all: nothing to list
    for args in [("lessons",), ("learn", "2")]:
        result = cli(*args)
        one_line(result, where, words, "netlearn check")
        if args == ("lessons",) and not whole:
            assert "id: capture;" in result.stdout  # the sound lessons are still listed
    assert words in checked(lessons, where).message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('id = "tcp"', "[[lesson]\nid = 'tcp'", "lessons.toml:11: not valid TOML"),
        ('id = "tcp"', 'id = "osi"', "lessons.toml:10: duplicate lesson id 'osi'"),
    ],
)
def test_a_broken_manifest_in_the_other_commands(
    cli: Run, lessons: Path, old: str, new: str, words: str
) -> None:
    edit(lessons / "lessons.toml", old, new)
    home = cli()
    one_line(home, words, "netlearn check")
    one_line(cli("quiz", "osi"), words)  # the quiz refuses any manifest problem
    one_line(cli("review"), words)
    if "TOML" not in words:  # the home screen lists the sound lessons; they still run
        assert "id: capture;" in home.stdout
        result = cli("learn", "osi", "--step", "14")
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith("netlearn: warning: ") and words in result.stderr


def test_a_manifest_that_is_missing_or_a_folder(cli: Run, lessons: Path) -> None:
    manifest = lessons / "lessons.toml"
    manifest.unlink()
    one_line(cli("lessons"), f"{manifest}: the lesson manifest is missing")
    manifest.mkdir()
    one_line(cli(), f"{manifest}: is a folder, not a file")


# --- the question banks, quiz.toml ----------------------------------------------------------

QUIZ_BREAKS = [
    ("\n[[question]]\n", "\n[[question]\n", "not TOML"),
    ('answer = "b"\n', "", "a choice question needs 'answer'"),
    ('answer = "b"', 'answer = "z"', "answer 'z' is not among the choices (a-d)"),
    ('answer = "b"', "answer = 2", "`answer` must be one letter"),
    ('kind = "choice"', "kind = 7", "`kind` must be one of"),
    ("\n[[question]]\n", "\nquestion = [1]\n[[questions]]\n", "not TOML"),
]


@pytest.mark.parametrize(("old", "new", "words"), QUIZ_BREAKS)
def test_a_broken_quiz_is_one_line(cli: Run, lessons: Path, old: str, new: str, words: str) -> None:
    bank = lessons / "osi" / "quiz.toml"
    edit(bank, old, new)
    one_line(cli("quiz", "osi"), f"{bank}:", words, "netlearn check")
    if "TOML" in words:
        one_line(cli("review"), f"{bank}:", words, "netlearn check")
    assert words in checked(lessons, f"{bank}:").message


def test_questions_that_are_not_tables(lessons: Path) -> None:
    bank = lessons / "osi" / "quiz.toml"
    bank.write_text("question = [1, 'two']\n")
    assert "must be a table" in checked(lessons, f"{bank}:1: ").message


# --- the scene registry ---------------------------------------------------------------------


def test_every_scene_argument_declares_its_values() -> None:
    from netlearn.scenes import SCENES

    for name, spec in SCENES.items():
        for arg in spec.args:
            assert arg.choices or (arg.test is not None and arg.about), (name, arg.name)


def test_the_declared_choices_match_the_lesson_modules() -> None:
    """Each lesson's spec repeats names its modules declare (the spec stays cheap to import)."""
    from netlearn.lessons.capture import CAPTURE_PARTS
    from netlearn.lessons.capture.demo import PARTS as CAPTURE_DEMO_PARTS
    from netlearn.lessons.osi import OSI_PACKETS
    from netlearn.lessons.socketio import SIO_CLIENTS
    from netlearn.lessons.socketio.scenes import HANDSHAKE_CLIENTS
    from netlearn.lessons.tcp import TCP_SCENARIOS
    from netlearn.lessons.tcp.scenarios import SCENARIOS
    from netlearn.lessons.websocket import WS_EXAMPLES, WS_PARTS
    from netlearn.lessons.websocket.demo import PARTS
    from netlearn.lessons.websocket.explain import RFC_EXAMPLES
    from netlearn.packets.build import KINDS

    assert tuple(KINDS) == OSI_PACKETS
    assert tuple(SCENARIOS) == TCP_SCENARIOS
    assert tuple(PARTS) == WS_PARTS
    assert tuple(RFC_EXAMPLES) == WS_EXAMPLES
    assert tuple(CAPTURE_DEMO_PARTS) == CAPTURE_PARTS
    assert tuple(HANDSHAKE_CLIENTS) == SIO_CLIENTS


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("osi.layers", {"order": "sideways"}),
        ("osi.layers", {"ordr": "down"}),
        ("osi.layer", {"n": "0"}),
        ("osi.layer", {"n": "x"}),
        ("capture.bpf", {"port": "70000"}),
        ("websocket.accept", {"key": "short"}),
        ("websocket.frame", {"hex": "8"}),
        ("socketio.decode", {"layer": "tcp"}),
        ("no.such-scene", {}),
    ],
)
def test_play_refuses_what_the_checker_refuses(make_env, name: str, args: dict[str, str]) -> None:
    from netlearn.scenes import play

    env, _ = make_env("plain")
    with pytest.raises(NetlearnError):
        list(play(name, env, args))


def test_the_values_the_shipped_lessons_use_are_accepted() -> None:
    from netlearn.scenes import SCENES

    spec = SCENES["websocket.frame"]
    assert spec.problems("websocket.frame", {"hex": "0x81,0x05 48:65"}) == []
    assert spec.problems("websocket.accept", {}) == []
    key = SCENES["websocket.accept"]
    assert key.problems("websocket.accept", {"key": "dGhlIHNhbXBsZSBub25jZQ=="}) == []

"""Fuzzing the content loaders: whatever a file holds, they return a result or raise NetlearnError.

The lesson text parser, the manifest loader and the quiz bank loader get arbitrary text and
mutated copies of the shipped files (derandomized, so every run tries the same inputs). Nothing
else may escape (no KeyError, TypeError, RecursionError, ...), and each input is handled quickly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlearn.content.checker import check, check_lesson_text
from netlearn.content.lesson import ContentError, parse, read_content
from netlearn.content.manifest import load_report
from netlearn.errors import NetlearnError
from netlearn.quiz.bank import BankFile, load_bank

REPO = Path(__file__).resolve().parent.parent
LESSON = (REPO / "lessons" / "osi" / "lesson.md").read_text(encoding="utf-8")
MANIFEST = (REPO / "lessons" / "lessons.toml").read_text(encoding="utf-8")
QUIZ = (REPO / "lessons" / "osi" / "quiz.toml").read_text(encoding="utf-8")
PER_INPUT = 1.0  # seconds: generous for a 2-core machine under load; real inputs take ~10 ms

FUZZ = settings(
    derandomize=True,
    max_examples=400,
    deadline=None,  # timed below, with a bound that does not flake on a busy machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

# Pieces the formats are made of, so that mutations reach deep into the parsers.
LESSON_PIECES = [
    "# ",
    "## ",
    "{#",
    "}",
    "::: scene ",
    "::: hint ",
    ":::",
    "```",
    "osi.layers",
    "order=",
    "=",
    "\n",
    "\r",
    "\x00",
    "\ufeff",
    " " * 50,
]
TOML_PIECES = [
    "[[lesson]]\n",
    "[[question]]\n",
    "[lesson]\n",
    'id = "x"\n',
    "minutes = ",
    "answer = ",
    "choices = [",
    "kind = ",
    '"',
    "'''",
    '"""',
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "9" * 5000,
    "[" * 2000,
    "true",
    "1979-05-27",
    "\x00",
]


def mutations(original: str, pieces: list[str]) -> st.SearchStrategy[str]:
    """The original text with a few spans deleted, replaced or duplicated."""

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        text = original
        for _ in range(draw(st.integers(1, 4))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, min(len(text), start + 200)))
            how = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
            piece = draw(st.one_of(st.sampled_from(pieces), st.text(max_size=20)))
            if how == "delete":
                text = text[:start] + text[end:]
            elif how == "insert":
                text = text[:start] + piece + text[start:]
            elif how == "replace":
                text = text[:start] + piece + text[end:]
            else:
                text = text[:end] + text[start:end] + text[end:]
        return text

    return mutate()


# TOML values of every type, written out, so the loaders meet each wrong type in each key.
TOML_VALUES: st.SearchStrategy[str] = st.recursive(
    st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(["true", "false", "1.5", "nan", "1979-05-27", '""', '"b"', '"x/y.md"']),
        st.text(max_size=12).map(json.dumps),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(
            st.tuples(st.sampled_from(["a", "x"]), inner), max_size=2, unique_by=lambda t: t[0]
        ).map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
    ),
    max_leaves=8,
)


def documents(header: str, base: dict[str, str]) -> st.SearchStrategy[str]:
    """Sound `[[header]]` blocks with one or two keys set to a value of any type (or dropped),
    or the whole `header` given as one value (`lesson = [1]`)."""
    keys = sorted({*base, *EXTRA_KEYS})

    @st.composite
    def block(draw: st.DrawFn) -> str:
        entry = dict(base)
        entry["id"] = json.dumps(f"i{draw(st.integers(0, 3))}")
        for _ in range(draw(st.integers(1, 2))):
            key = draw(st.sampled_from(keys))
            if draw(st.booleans()):
                entry[key] = draw(TOML_VALUES)
            else:
                entry.pop(key, None)
        return f"[[{header}]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items())

    return st.one_of(
        st.lists(block(), min_size=1, max_size=3).map("".join),
        TOML_VALUES.map(lambda value: f"{header} = {value}\n"),
    )


EXTRA_KEYS = ["file", "colour", "accept", "numeric", "items", "generator", "params", "from_notes"]
MANIFEST_ENTRY = {"id": '"a"', "title": '"T"', "minutes": "5", "summary": '"S"'}
QUIZ_ENTRY = {
    "id": '"q"',
    "kind": '"choice"',
    "step": '"s"',
    "prompt": '"P?"',
    "choices": '["x", "y", "z"]',
    "answer": '"b"',
    "explanation": '"E"',
}


def texts(pieces: list[str]) -> st.SearchStrategy[str]:
    """Arbitrary text, and text stitched together from the format's own pieces."""
    return st.one_of(
        st.text(max_size=300),
        st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=10)), max_size=40).map(
            "".join
        ),
    )


def timed(func, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        return func(*args)
    finally:
        assert time.perf_counter() - start < PER_INPUT, "an input took too long"


def lesson_ok(text: str) -> None:
    try:
        lesson = timed(parse, Path("lesson.md"), text)
    except NetlearnError as exc:
        assert isinstance(exc, ContentError) and "\n" not in str(exc)
        return
    for problem in timed(check_lesson_text, lesson):
        assert isinstance(problem, ContentError) and "\n" not in str(problem)


@FUZZ
@given(st.one_of(texts(LESSON_PIECES), mutations(LESSON, LESSON_PIECES)))
def test_lesson_parser(text: str) -> None:
    lesson_ok(text)


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    text=st.one_of(
        texts(TOML_PIECES),
        mutations(MANIFEST, TOML_PIECES),
        documents("lesson", MANIFEST_ENTRY),
    )
)
def test_manifest_loader(tmp_path: Path, text: str) -> None:
    root = tmp_path / "m"
    root.mkdir(exist_ok=True)
    write(root / "lessons.toml", text)
    try:
        report = timed(load_report, root)
    except NetlearnError as exc:
        assert isinstance(exc, ContentError) and "\n" not in str(exc)
        return
    for info in report.lessons:
        assert isinstance(info.id, str) and isinstance(info.minutes, int)
        assert root in info.path.parents  # never outside the lessons folder
    for problem in report.problems:
        assert isinstance(problem, ContentError) and "\n" not in str(problem)


@FUZZ
@given(
    text=st.one_of(
        texts(TOML_PIECES), mutations(QUIZ, TOML_PIECES), documents("question", QUIZ_ENTRY)
    )
)
def test_quiz_bank_loader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "quiz.toml"
    write(path, text)
    questions, problems = timed(load_bank, BankFile("osi", path, None))
    for problem in problems:
        assert isinstance(problem, ContentError) and "\n" not in str(problem)
    for q in questions:
        assert q.answer or q.items or q.generator


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes_in_a_lesson_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "lesson.md"
    path.write_bytes(data)
    try:
        lesson_ok(timed(read_content, path))
    except ContentError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("name", ["osi/lesson.md", "lessons.toml", "osi/quiz.toml"])
def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path, name: str) -> None:
    """A 1 GB file (sparse: no disk used) is refused at once, with a clear line."""
    import shutil

    root = tmp_path / "lessons"
    shutil.copytree(REPO / "lessons", root)
    with (root / name).open("r+b") as handle:
        handle.truncate(1 << 30)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    rss_before, read_before = _status_kb("VmRSS"), _bytes_read()
    problems = check(root)
    read = _bytes_read() - read_before
    grew = _status_kb("VmHWM") - rss_before
    assert any(str(root / name) in str(p) and "is larger than" in p.message for p in problems)
    assert grew < 50 * 1024, f"{grew} kB more at the peak"
    # not read, not even in pieces: the whole tree is some hundreds of kB (counted by the kernel,
    # not timed: a loaded machine is slow, not wrong)
    assert read < 20 * 1024 * 1024, read


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB (the kernel counts pages
    however they came: read, mapped or allocated)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/self/status has no {field}")


def _bytes_read() -> int:
    """Bytes this process has read with read(2) and friends so far (/proc/self/io `rchar`)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar")


def test_deep_nesting_and_long_numbers_are_content_errors(tmp_path: Path) -> None:
    """tomllib raises RecursionError and ValueError for these: both become one clear line."""
    for text in ["a = " + "[" * 5000 + "]" * 5000, "a = " + "9" * 5000]:
        path = tmp_path / "quiz.toml"
        path.write_text(text)
        _, problems = load_bank(BankFile("osi", path, None))
        assert len(problems) == 1 and "not TOML" in problems[0].message
        (tmp_path / "lessons.toml").write_text(text)
        with pytest.raises(ContentError, match="not valid TOML"):
            load_report(tmp_path)


def test_a_long_heading_is_not_quadratic() -> None:
    """`## a<100000 spaces>b`: finding `{#id}` must not scan from every position."""
    text = "# T\n\n## a" + " " * 200_000 + "b\nText.\n"
    lesson = timed(parse, Path("lesson.md"), text)
    assert lesson.steps[0].id == "a-b"

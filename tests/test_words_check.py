"""The words checker: every problem found, each at the right file:line; the shipped tree clean."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.content.checker import check
from netlearn.content.words_check import check_words, key_lines
from netlearn.content.words_code import scan, scan_source

WORDS = """\
title = "A lesson"

[notes]
greet = "Hello, {name}."
plain = "No placeholders, {{literal}} braces."
spare = "Nobody asks for me."

[glossary]
syn = "synchronise"
ack = "acknowledge"

[steps]
list = ["one", "two"]
"""

CODE = """\
from netlearn.content import words
from netlearn.content.words import items, say, table

def f(flag, extra):
    words.say("demo.title")
    say("demo.notes.greet", name="x")
    say("demo.notes.plain")
    say(f"demo.glossary.{flag}")
    items("demo.steps.list")
    say("demo.notes.gone")
    say("demo.notes.greet", nom="x")
    say("demo.notes.greet", **extra)
    table("demo.notes.plain")
    say(f"demo.nothing.{flag}")
    say("other.never.checked")
    "x".items()
"""


def tree(tmp_path: Path, words: str = WORDS, code: str = CODE) -> tuple[Path, Path]:
    root = tmp_path / "lessons"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "words.toml").write_text(words)
    src = tmp_path / "code"
    src.mkdir()
    (src / "mod.py").write_text(code)
    return root, src


def lines(problems) -> list[str]:
    return [f"{p.path.name}:{p.line}: {p.message}" for p in problems]


def test_each_problem_is_named_at_its_file_and_line(tmp_path: Path) -> None:
    root, src = tree(tmp_path)
    found = lines(check_words(root, [src]))
    assert found == [
        "mod.py:10: no words for 'demo.notes.gone' under demo/",
        "mod.py:11: say('demo.notes.greet') does not fill name and fills nom, "
        "which the text never uses",
        f"mod.py:13: table('demo.notes.plain') wants a table, but {root}/demo/words.toml:5 "
        "holds a text",
        "mod.py:14: no words start with 'demo.nothing.'",
        "words.toml:6: words 'demo.notes.spare' are never used",
    ]


def test_a_clean_tree_has_no_problems(tmp_path: Path) -> None:
    code = 'say("demo.title")\nsay("demo.notes.greet", name=1)\ntable("demo.notes")\n'
    code += 'table("demo.glossary")\nitems("demo.steps.list")\n'
    root, src = tree(tmp_path, code=code)
    assert check_words(root, [src]) == []


def test_a_file_that_is_not_toml_is_named_at_its_line(tmp_path: Path) -> None:
    root, src = tree(tmp_path, words='title = "ok"\n\n[notes\ngreet = 1\n')
    found = lines(check_words(root, [src]))
    assert found[0].startswith("words.toml:3: not valid TOML")


def test_other_files_take_their_stem_and_folders_without_words_are_not_blamed(
    tmp_path: Path,
) -> None:
    root, src = tree(tmp_path, code='say("demo.extra.hi")\nsay("absent.key")\n')
    (root / "demo" / "words.toml").write_text("")
    (root / "demo" / "extra.toml").write_text('hi = "hello"\nbye = "goodbye"\n')
    (root / "demo" / "quiz.toml").write_text("not = [words")  # quiz.toml is not words
    assert lines(check_words(root, [src])) == [
        "extra.toml:2: words 'demo.extra.bye' are never used"
    ]


def test_the_same_key_twice_is_named(tmp_path: Path) -> None:
    root, src = tree(tmp_path, code='say("demo.title")\n')
    (root / "demo" / "words.toml").write_text('title = "a"\n')
    (root / "demo" / "words" / "").mkdir()
    (root / "demo" / "words" / "title.toml").write_text("")
    sub = root / "demo" / "sub"
    sub.mkdir()
    (sub / "words.toml").write_text('x = "a"\n')
    (root / "demo" / "sub.toml").write_text('x = "b"\n')
    found = lines(check_words(root, [src]))
    assert any("words 'demo.sub.x' are also written at" in f for f in found), found


def test_key_lines_follow_tables_dotted_keys_and_skip_multiline_strings() -> None:
    text = (
        'a = "1"\n'
        "[t]\n"
        'b = """\n'
        'c = "not a key"\n'
        '"""\n'
        'd.e = "2"\n'
        '"q k" = "3"\n'
        "[t.u]  # a comment\n"
        "f = 'x'\n"
    )
    assert key_lines(text) == {
        "a": 1,
        "t": 2,
        "t.b": 3,
        "t.d.e": 6,
        "t.q k": 7,
        "t.u": 8,
        "t.u.f": 9,
    }


def test_the_scan_reads_literals_fstring_prefixes_and_kwargs() -> None:
    uses = scan_source(Path("m.py"), CODE)
    by_line = {u.line: u for u in uses}
    assert by_line[5].key == "demo.title" and not by_line[5].prefix
    assert by_line[8].key == "demo.glossary." and by_line[8].prefix
    assert by_line[6].fields == frozenset({"name"})
    assert by_line[12].fields is None
    assert 16 not in by_line  # "x".items(): not a key


def test_the_scan_of_all_netlearn_is_fast_and_imports_no_lesson() -> None:

    start = time.perf_counter()
    scan()
    assert time.perf_counter() - start < 5
    assert all(not m.startswith("netlearn.lessons.") for m in _imported_by_scan())


def _imported_by_scan() -> list[str]:

    code = (
        "import sys\nfrom netlearn.content.words_code import scan\nscan()\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith(('netlearn', 'scapy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = out.stdout.split()
    assert "scapy" not in names
    return names


def test_check_includes_the_words(tmp_path: Path) -> None:
    root = tmp_path / "lessons"
    (root / "demo").mkdir(parents=True)
    (root / "lessons.toml").write_text(
        '[[lesson]]\nid = "demo"\ntitle = "Demo"\nminutes = 1\nsummary = "A demo."\n'
    )
    (root / "demo" / "lesson.md").write_text("# Demo\n\n## One\nText.\n")
    (root / "demo" / "words.toml").write_text('lonely = "never asked for"\n')
    found = [str(p) for p in check(root)]
    assert f"{root / 'demo' / 'words.toml'}:1: words 'demo.lonely' are never used" in found


def test_the_shipped_words_are_clean() -> None:
    from netlearn.paths import lessons_dir

    problems = check_words(lessons_dir())
    assert problems == [], "\n".join(str(p) for p in problems)


def test_check_inside_a_checkout_checks_its_lessons_or_names_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netlearn.content.checker import which_lessons
    from netlearn.paths import LESSONS_ENV, lessons_dir

    monkeypatch.delenv(LESSONS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    folder, why = which_lessons()
    assert folder == lessons_dir() and "shipped" in why
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "lessons.toml").write_text("")
    assert which_lessons() == (tmp_path / "lessons", "")
    assert which_lessons(tmp_path / "x") == (tmp_path / "x", "")
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path / "other"))
    assert which_lessons() == (tmp_path / "other", LESSONS_ENV)


def test_check_command_names_the_folder_it_checked(tmp_path: Path) -> None:

    other = tmp_path / "mine"
    other.mkdir()
    result = run_netlearn(
        ["check"], cwd=tmp_path, env={**os.environ, "NETLEARN_LESSONS": str(other)}, timeout=60
    )
    assert result.stdout.startswith(f"checking {other} (NETLEARN_LESSONS)\n"), result.stdout
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_lessons_copy_without_a_folder_takes_its_words_from_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netlearn.content import words

    root = tmp_path / "lessons"
    (root / "demo").mkdir(parents=True)
    (root / "demo" / "words.toml").write_text('hi = "hello {name}"\n')
    monkeypatch.setenv("NETLEARN_LESSONS", str(root))
    words.clear_cache()
    try:
        assert words.say("demo.hi", name="you") == "hello you"
        assert words.known("core.player.keys")  # not in the copy: the shipped core words
        with pytest.raises(words.WordsError, match="no words for 'demo.nope'"):
            words.say("demo.nope")
    finally:
        words.clear_cache()


def test_every_quiz_answer_kind_has_its_key_line() -> None:
    from netlearn.app.quiz import QuizScreen
    from netlearn.content.words import say
    from netlearn.quiz.model import ANSWER_KINDS

    for kind in ANSWER_KINDS:
        assert say(f"core.quizzing.screen.keys.{kind}", **QuizScreen._key_fields(kind, 4))


def test_a_choice_of_keys_and_an_aliased_lookup_count(tmp_path: Path) -> None:
    code = (
        "from netlearn.content.words import table as words_table\n"
        'say("demo.title" if x else "demo.notes.plain")\n'
        'say("demo.notes.greet", name=1)\n'
        'words_table("demo.glossary")\n'
        'items("demo.steps.list")\n'
        'say(f"demo.notes.{which}", name=2)\n'
    )
    root, src = tree(tmp_path, code=code)
    # The f-string family is greet and spare (plain is named literally, so it is not a member):
    # spare has no {name}.
    assert lines(check_words(root, [src])) == [
        "mod.py:6: say('demo.notes.spare') fills name, which the text never uses"
    ]

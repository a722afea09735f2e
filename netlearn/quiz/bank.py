"""Reading a lesson's question bank, `lessons/<lesson>/quiz.toml`, with a line for every problem.

    [[question]]
    id = "ws-fill-request"          # stable: answers and schedules are keyed by it
    kind = "fill"                   # choice, multi, fill, order, generated, capture
    step = "why-websocket"          # the lesson step the question comes from
    prompt = "... without first receiving a ____ from that client."
    answer = "request"              # choice: "b"; multi: ["a", "c"]; fill: the answer
    accept = ["a request"]          # fill only: more accepted answers
    explanation = "..."             # shown after every answer, right or wrong

An ordering question lists `items` in the right order (they are shown shuffled). A generated or
capture question names a `generator` (see `netlearn.quiz.generators`) and may pass `params`.

`load_bank` returns the questions it could read and every problem it found, so the checker can
report them all at once and a quiz can refuse a broken bank with a clear message.

The format is documented for teachers in CONTRIBUTING.md ("Questions"); keep the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from netlearn.content.lesson import ContentError, quote, read_content
from netlearn.content.manifest import LessonInfo, parse_toml
from netlearn.quiz.model import BANK_KINDS, Question

FILENAME = "quiz.toml"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LETTER_RE = re.compile(r"^[a-z]$")

KEYS = {
    "id",
    "kind",
    "step",
    "prompt",
    "choices",
    "answer",
    "accept",
    "numeric",
    "items",
    "explanation",
    "generator",
    "params",
    "from_notes",
}
# Keys each kind must have, and keys it may have (besides id, kind, step, from_notes).
REQUIRED = {
    "choice": ("prompt", "choices", "answer", "explanation"),
    "multi": ("prompt", "choices", "answer", "explanation"),
    "fill": ("prompt", "answer", "explanation"),
    "order": ("prompt", "items", "explanation"),
    "generated": ("generator",),
    "capture": ("generator",),
}
ALLOWED = {
    "choice": {"prompt", "choices", "answer", "explanation"},
    "multi": {"prompt", "choices", "answer", "explanation"},
    "fill": {"prompt", "answer", "accept", "numeric", "explanation"},
    "order": {"prompt", "items", "explanation"},
    "generated": {"generator", "params", "prompt", "explanation"},
    "capture": {"generator", "params", "prompt", "explanation"},
}
COMMON = {"id", "kind", "step", "from_notes"}


@dataclass(frozen=True)
class BankFile:
    lesson: str
    path: Path
    lesson_path: Path | None  # the lesson's text, when it is known


def bank_files(root: Path, lessons: list[LessonInfo]) -> list[BankFile]:
    """Every bank: one beside each manifest lesson's text, then any other `<folder>/quiz.toml`.

    A bank whose lesson is not (yet) in the manifest still counts, under its folder's name, so a
    lesson being written can have its quiz checked before it is listed.
    """
    out: list[BankFile] = []
    seen: set[Path] = set()
    for info in lessons:
        path = info.path.parent / FILENAME
        if path.is_file():
            out.append(BankFile(info.id, path, info.path))
            seen.add(path.resolve())
    known = {info.id for info in lessons}
    for path in sorted(root.glob(f"*/{FILENAME}")):
        if path.resolve() in seen or path.parent.name in known:
            continue
        lesson_md = path.parent / "lesson.md"
        out.append(BankFile(path.parent.name, path, lesson_md))
    return out


def parse_number(text: str) -> int | None:
    """A number as a learner may type it: 1234, 1,234, 1 234, 1_234, 0x4d2."""
    t = re.sub(r"[\s,_]", "", text.strip().lower())
    try:
        return int(t, 16) if t.startswith("0x") else int(t, 10)
    except ValueError:
        return None


def _header_lines(text: str) -> list[int]:
    return [
        n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[question]]"
    ]


def _key_line(lines: list[str], start: int, end: int, key: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(start, min(end, len(lines) + 1)):
        if pattern.match(lines[number - 1]):
            return number
    return start


def _str_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_bank(bank: BankFile) -> tuple[list[Question], list[ContentError]]:
    """The questions of one bank file and the problems found in it."""
    from netlearn.quiz.generators import GENERATORS

    path = bank.path
    problems: list[ContentError] = []
    try:
        text = read_content(path)
        data = parse_toml(path, text, invalid="not TOML")
    except ContentError as exc:
        return [], [exc]
    for key in data:
        if key != "question":
            problems.append(
                ContentError(
                    path, 1, f"unknown top-level key {quote(key)} (only [[question]] blocks)"
                )
            )
    entries = data.get("question", [])
    if not isinstance(entries, list) or not entries:
        problems.append(ContentError(path, 1, "no [[question]] blocks"))
        return [], problems
    lines = text.splitlines()
    headers = _header_lines(text)
    questions: list[Question] = []
    for index, entry in enumerate(entries):
        start = headers[index] if index < len(headers) else 1
        end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1

        def at(key: str, start: int = start, end: int = end) -> int:
            return _key_line(lines, start, end, key)

        def problem(line: int, message: str) -> None:
            problems.append(ContentError(path, line, message))

        if not isinstance(entry, dict):
            problem(start, "a question must be a table: write it as a [[question]] block")
            continue
        qid = entry.get("id")
        if not isinstance(qid, str) or not ID_RE.fullmatch(qid):
            problem(
                at("id") if "id" in entry else start,
                "a question needs an `id` of lowercase letters, digits and hyphens",
            )
            continue
        where = f"question {qid!r}"
        kind = entry.get("kind")
        if kind not in BANK_KINDS:
            problem(at("kind"), f"{where}: `kind` must be one of {', '.join(BANK_KINDS)}")
            continue
        step = entry.get("step")
        if not isinstance(step, str) or not step:
            problem(at("step") if "step" in entry else start, f"{where}: needs the lesson `step`")
            step = ""
        bad = False
        for key in sorted(set(entry) - KEYS):
            problem(at(key), f"{where}: unknown key {quote(key)}")
            bad = True
        for key in sorted(set(entry) - COMMON - ALLOWED[kind] - (set(entry) - KEYS)):
            problem(at(key), f"{where}: a {kind} question takes no {quote(key)}")
            bad = True
        for key in REQUIRED[kind]:
            if key not in entry:
                problem(start, f"{where}: a {kind} question needs {key!r}")
                bad = True
        for key in ("prompt", "explanation", "from_notes", "generator"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                problem(at(key), f"{where}: {key!r} must be non-empty text")
                bad = True
        if bad:
            continue
        choices: tuple[str, ...] = ()
        answer: tuple[str, ...] = ()
        accept: tuple[str, ...] = ()
        items: tuple[str, ...] = ()
        numeric = False
        params: dict[str, str] = {}
        if kind in ("choice", "multi"):
            got = _str_list(entry["choices"])
            if got is None or len(got) < 2 or any(not c.strip() for c in got):
                problem(at("choices"), f"{where}: `choices` must be a list of 2 or more texts")
                continue
            if len(set(got)) != len(got):
                problem(at("choices"), f"{where}: two choices are the same")
                continue
            if len(got) > 8:
                problem(at("choices"), f"{where}: at most 8 choices (a-h)")
                continue
            choices = got
            raw = entry["answer"]
            if kind == "choice":
                if not isinstance(raw, str):
                    problem(at("answer"), f'{where}: `answer` must be one letter, like "b"')
                    continue
                letters: tuple[str, ...] = (raw,)
            else:
                got_answer = _str_list(raw)
                if got_answer is None or not got_answer:
                    problem(at("answer"), f"{where}: `answer` must be a list of letters")
                    continue
                letters = got_answer
                if len(set(letters)) != len(letters):
                    problem(at("answer"), f"{where}: a letter is repeated in `answer`")
                    continue
            last = chr(ord("a") + len(choices) - 1)
            wrong = [x for x in letters if not LETTER_RE.fullmatch(x) or x > last]
            if wrong:
                problem(
                    at("answer"),
                    f"{where}: answer {quote(wrong[0])} is not among the choices (a-{last})",
                )
                continue
            answer = letters
        elif kind == "fill":
            raw = entry["answer"]
            if not isinstance(raw, str) or not raw.strip():
                problem(at("answer"), f"{where}: `answer` must be non-empty text")
                continue
            answer = (raw,)
            if "accept" in entry:
                got = _str_list(entry["accept"])
                if got is None or any(not a.strip() for a in got):
                    problem(at("accept"), f"{where}: `accept` must be a list of texts")
                    continue
                accept = got
            numeric = entry.get("numeric", False)
            if not isinstance(numeric, bool):
                problem(at("numeric"), f"{where}: `numeric` must be true or false")
                continue
            if numeric:
                for value in (raw, *accept):
                    if parse_number(value) is None:
                        problem(at("answer"), f"{where}: {quote(value)} is not a number")
                        bad = True
                if bad:
                    continue
            if "____" not in entry["prompt"]:
                problem(at("prompt"), f"{where}: a fill question's prompt shows the blank as ____")
                continue
        elif kind == "order":
            got = _str_list(entry["items"])
            if got is None or len(got) < 3 or any(not i.strip() for i in got):
                problem(at("items"), f"{where}: `items` must be a list of 3 or more texts")
                continue
            if len(set(got)) != len(got):
                problem(at("items"), f"{where}: two items are the same")
                continue
            if len(got) > 9:
                problem(at("items"), f"{where}: at most 9 items (answers are digits 1-9)")
                continue
            items = got
        else:
            name = entry["generator"]
            spec = GENERATORS.get(name)
            if spec is None:
                import difflib

                close = difflib.get_close_matches(name[:100], GENERATORS, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problem(at("generator"), f"{where}: unknown generator {quote(name)}{hint}")
                continue
            if spec.source != kind:
                problem(
                    at("kind"),
                    f"{where}: generator {name!r} makes {spec.source!r} questions, not {kind!r}",
                )
                continue
            raw_params = entry.get("params", {})
            if not isinstance(raw_params, dict) or not all(
                isinstance(v, str) for v in raw_params.values()
            ):
                problem(at("params"), f"{where}: `params` must be a table of texts")
                continue
            extra = sorted(set(raw_params) - set(spec.params))
            if extra:
                allowed = ", ".join(spec.params) or "none"
                problem(
                    at("params"),
                    f"{where}: generator {name!r} takes no param {quote(extra[0])} "
                    f"(allowed: {allowed})",
                )
                continue
            params = dict(raw_params)
        questions.append(
            Question(
                id=qid,
                lesson=bank.lesson,
                kind=kind,
                step=step,
                path=path,
                line=start,
                prompt=entry.get("prompt", ""),
                choices=choices,
                answer=answer,
                accept=accept,
                numeric=numeric,
                items=items,
                explanation=entry.get("explanation", ""),
                generator=entry.get("generator", ""),
                params=params,
                from_notes=entry.get("from_notes", ""),
            )
        )
    return questions, problems


def load_all(
    root: Path | None = None, lessons: list[LessonInfo] | None = None
) -> tuple[list[Question], list[ContentError]]:
    """Every question of every bank, and every problem (duplicate ids across banks included)."""
    from netlearn.content.manifest import load
    from netlearn.paths import lessons_dir

    root = root or lessons_dir()
    lessons = lessons if lessons is not None else load(root)
    questions: list[Question] = []
    problems: list[ContentError] = []
    first: dict[str, Question] = {}
    for bank in bank_files(root, lessons):
        got, bad = load_bank(bank)
        problems.extend(bad)
        for q in got:
            if q.id in first:
                other = first[q.id]
                problems.append(
                    ContentError(
                        q.path,
                        q.line,
                        f"duplicate question id {q.id!r} (first at {other.path}:{other.line})",
                    )
                )
                continue
            first[q.id] = q
            questions.append(q)
    return questions, problems

"""The lab report: text for the learner (codecrafters/protohackers style), JSON, Gradescope.

Text: a header (lab, command, seed), then per stage `[n/N] title`, NOTE lines per actor, the
bytes each actor sent and received (text when printable, else a hex dump; long payloads cut with
a count), the program's own lines prefixed `program | `, and PASS or FAIL with the time. A failure
shows the bytes with a caret under the first wrong one, what was expected, the rule and its RFC
section, the likely cause, and the lesson step to read.

Every line fits WIDTH (80) columns: long notes and explanations wrap with a hanging indent, long
payloads are cut with a count, a long program line goes on in `program + ` lines. The one
exception is the learner's own command, shown whole so that it can be copied.
"""

from __future__ import annotations

import functools
import json
import shlex
from typing import Any

from netlearn.content.words import say
from netlearn.labs.core import KEEP_BYTES, LogEntry, StageFailed
from netlearn.labs.runner import LabResult, StageResult
from netlearn.render.text import hex_row

TEXT_SHOWN = 60  # characters of a printable payload shown before "..."
HEX_ROWS = 4  # rows of 16 bytes of a binary payload shown before "..."
PREFIX = "program | "
MORE = "program + "  # the rest of a program line too long for one report line
WIDTH = 80  # every report line fits (fixed, so a report reads the same in a file or a test)

_ESCAPES = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x5C: "\\\\", 0x22: '\\"'}


def _printable(data: bytes) -> bool:
    return bool(data) and all(0x20 <= b < 0x7F or b in (0x0A, 0x0D, 0x09) for b in data)


def escape(data: bytes) -> str:
    """Printable ASCII as is, \\r \\n \\t \\\\ \\" escaped, anything else as \\xNN."""
    out = []
    for b in data:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def _count(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"


def _quoted_fit(data: bytes, room: int) -> tuple[str, int]:
    """The escaped text of the longest prefix of `data` that fits `room` characters, and how many
    bytes that is (an escape such as \\n is never cut in two)."""
    out: list[str] = []
    used = 0
    for count, b in enumerate(data):
        piece = escape(bytes([b]))
        if used + len(piece) > room:
            return "".join(out), count
        out.append(piece)
        used += len(piece)
    return "".join(out), len(data)


def quoted_lines(data: bytes, indent: str) -> list[str]:
    """`data` as one or more quoted lines, each within WIDTH (a long line goes on in the next)."""
    room = max(WIDTH - len(indent) - 2, 8)
    lines = []
    while True:
        shown, used = _quoted_fit(data, room)
        lines.append(f'{indent}"{shown}"')
        data = data[used:]
        if not data:
            return lines


def payload_lines(data: bytes, length: int, indent: str) -> list[str]:
    """A payload for the log: one quoted line of text, or a few hex rows, cut with a count."""
    if _printable(data) and data.count(b"\r\n") >= 2 and length <= KEEP_BYTES:
        # an HTTP head: one line per header, as it is read
        heads = data.splitlines(keepends=True)
        lines = [line for head in heads[:16] for line in quoted_lines(head, indent)]
        if len(heads) > 16:
            lines.append(f"{indent}... ({_count(length)} in all)")
        return lines
    if _printable(data) and length <= KEEP_BYTES or _printable(data[:TEXT_SHOWN]):
        whole = length == len(data) and length <= TEXT_SHOWN
        more = "" if whole else f" ... ({_count(length)} in all)"
        room = WIDTH - len(indent) - 2 - len(more)
        shown, used = _quoted_fit(data[:TEXT_SHOWN], room)
        if whole and used < length:  # short, but escapes make it too wide: cut it too
            more = f" ... ({_count(length)} in all)"
            shown, _ = _quoted_fit(data, WIDTH - len(indent) - 2 - len(more))
        return [f'{indent}"{shown}"{more}']
    rows = [hex_row(data, at) for at in range(0, min(len(data), HEX_ROWS * 16), 16)]
    lines = [indent + row for row in rows]
    if length > HEX_ROWS * 16:
        lines.append(f"{indent}... ({_count(length)} in all)")
    return lines


def entry_lines(entry: LogEntry) -> list[str]:
    if entry.kind == "note":
        return wrap(f"  NOTE {entry.actor}: ", entry.text, "      ")
    arrow, verb = ("->", "sent") if entry.kind == "sent" else ("<-", "received")
    head = f"  {arrow} {entry.actor} {verb} {_count(entry.length)}:"
    body = payload_lines(entry.data, entry.length, "       ")
    if len(body) == 1 and len(head) + len(body[0].strip()) < 78:
        return [f"{head} {body[0].strip()}"]
    return [head, *body]


def caret_lines(got: bytes, offset: int, indent: str = "    ") -> list[str]:
    """The bytes around `offset` with a caret under the byte at `offset` (or just past the end)."""
    offset = max(0, min(offset, len(got)))
    window_start = max(0, offset - 48)
    window = got[window_start : offset + 32]
    if _printable(window) or (offset == len(got) and _printable(got[window_start:])):
        return _text_caret(got, offset, indent)
    row = offset - offset % 16
    lines = []
    if row >= 16:
        lines.append(indent + hex_row(got, row - 16))
    if row < len(got):
        lines.append(indent + hex_row(got, row))
    else:
        lines.append(f"{indent}{row:04x}  (nothing: the bytes ended here)")
    col = offset - row
    lines.append(f"{indent}{' ' * (6 + col * 3)}^^ byte {offset}")
    return lines


def _text_caret(got: bytes, offset: int, indent: str) -> list[str]:
    """The text line holding `offset` (cut to fit WIDTH) and a caret under the byte."""
    line_start = got.rfind(b"\n", 0, offset) + 1 if offset else 0
    line_end = got.find(b"\n", offset)
    line_end = len(got) if line_end < 0 else line_end + 1
    start = max(line_start, offset - 60)
    end = min(line_end, offset + 20)
    room = WIDTH - len(indent) - 5  # the quotes and a leading "..."
    # fewer bytes before the offset (keeping at least ~20 characters), then fewer after it
    while (
        start < offset
        and len(escape(got[start:end])) > room
        and len(escape(got[start:offset])) > 20
    ):
        start += 1
    while end > offset + 1 and len(escape(got[start:end])) > room:
        end -= 1
    before = escape(got[start:offset])
    shown = escape(got[start:end])
    lead = "..." if start > 0 and got[start - 1 : start] != b"\n" else ""
    col = len(indent) + len(lead) + 1 + len(before)
    label = f"byte {offset}"
    if col + 2 + len(label) <= WIDTH:
        caret = f"{' ' * col}^ {label}"
    else:  # no room on the right: the label goes to the left of the caret
        caret = f"{' ' * (col - len(label) - 1)}{label} ^"
    return [f'{indent}{lead}"{shown}"', caret]


@functools.lru_cache(maxsize=32)
def lesson_step(ref: str) -> str:
    """`websocket#masking` -> `websocket --step 6` (by the lesson text); others as given."""
    if "#" not in ref:
        return ref
    lesson_id, step_id = ref.split("#", 1)
    try:
        from netlearn.content.lesson import parse
        from netlearn.content.manifest import load

        for info in load():
            if info.id == lesson_id:
                ids = [s.id for s in parse(info.path).steps]
                if step_id in ids:
                    return f"{lesson_id} --step {ids.index(step_id) + 1}"
    except Exception:  # the content is checked elsewhere; a reference is only a pointer
        pass
    return lesson_id


def wrap(first: str, text: str, indent: str) -> list[str]:
    """`first` + `text`, wrapped at WIDTH with later lines indented by `indent`. A word goes whole
    to the next line (a URL stays searchable); only a word longer than a line is cut."""
    import textwrap

    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
    out = []
    for line in lines:
        while len(line) > WIDTH:
            out.append(line[:WIDTH])
            line = indent + line[WIDTH:]
        out.append(line)
    return out


def program_lines(lines: list[str]) -> list[str]:
    """The program's own lines, prefixed `program | `; a long one goes on in `program + ` lines,
    cut at WIDTH as it is (its spaces kept)."""
    out = []
    room = WIDTH - len(PREFIX)
    for line in lines:
        out.append(PREFIX + line[:room])
        out += [MORE + line[at : at + room] for at in range(room, len(line), room)]
    return out


def rerun_lines(lab: str, seed: int, command: list[str]) -> list[str]:
    """The command that repeats this run. If it is too long for one line it goes on after ` \\`
    (a shell continuation, safe to copy); the learner's own command is never cut."""
    lead = f"  netlearn lab check {lab} --seed {seed} --"
    line = f"{lead} {shlex.join(command)}"
    if len(line) <= WIDTH:
        return [line]
    return [lead + " \\", "      " + shlex.join(command)]


def failure_lines(exc: StageFailed) -> list[str]:
    lines = []
    if exc.got is not None:
        if exc.offset is not None:
            lines.append("    received:")
            lines += caret_lines(exc.got, exc.offset, "      ")
        elif exc.got:
            lines.append(f"    received {_count(len(exc.got))}:")
            lines += payload_lines(exc.got[:KEEP_BYTES], len(exc.got), "      ")
    more = " " * 6
    if exc.expected:
        lines += wrap("    expected: ", exc.expected, more)
    if exc.rule:
        lines += wrap("    rule: ", exc.rule + (f" ({exc.rfc})" if exc.rfc else ""), more)
    elif exc.rfc:
        lines += wrap("    rule: ", exc.rfc, more)
    if exc.cause:
        lines += wrap("    likely cause: ", exc.cause, more)
    if exc.lesson:
        lines.append(f"    read: netlearn learn {lesson_step(exc.lesson)}")
    return lines


def header_lines(result: LabResult) -> list[str]:
    lab = result.lab
    return [
        *wrap(f"netlearn lab check {lab.name}: ", lab.title, "  "),
        f"command: {shlex.join(result.command)}",  # as typed, whole (it may be long)
        f"seed: {result.seed} (--seed {result.seed} repeats this run)",
    ]


def setup_lines(result: LabResult) -> list[str]:
    lines = [entry for e in result.setup.entries for entry in entry_lines(e)]
    lines += program_lines(result.setup_output)
    return lines


def stage_lines(res: StageResult, total: int) -> list[str]:
    head = f"[{res.index}/{total}] "
    if res.status == "skipped":
        return wrap(head, f"{res.stage.title}: not run", "      ")
    lines = ["", *wrap(head, res.stage.title, "      ")]
    for entry in res.log.entries:
        lines += entry_lines(entry)
    lines += program_lines(res.output)
    if res.failure is None:
        lines.append(f"  PASS ({res.time:.2f} s)")
    else:
        lines += wrap(f"  FAIL ({res.time:.2f} s): ", res.failure.message, "    ")
        lines += failure_lines(res.failure)
    return lines


def summary_lines(result: LabResult) -> list[str]:
    total, passed = result.total, result.passed
    lines = [""]
    if result.dropped_output:
        lines.append(say("labs.report.dropped", count=result.dropped_output))
    if result.ok:
        lines.append(f"All {total} stages passed.")
        return lines
    failed = next((r for r in result.stages if r.status == "failed"), None)
    lines.append(f"{passed} of {total} stages passed.")
    if failed is not None:
        lines += wrap("", f"Fix stage {failed.index} ({failed.stage.id}), then run it again:", "  ")
        lines += rerun_lines(result.lab.name, result.seed, result.command)
    return lines


def text_report(result: LabResult) -> str:
    """The whole report as text (what `lab check` prints, as it goes)."""
    lines = header_lines(result) + setup_lines(result)
    for res in result.stages:
        lines += stage_lines(res, result.total)
    lines += summary_lines(result)
    return "\n".join(lines) + "\n"


# -- for tools and teachers ----------------------------------------------------------------
def _stage_dict(res: StageResult) -> dict[str, Any]:
    exc = res.failure
    sent = b"".join(e.data for e in res.log.entries if e.kind == "sent")
    received = b"".join(e.data for e in res.log.entries if e.kind == "received")
    if exc is not None and exc.got is not None:
        received = exc.got[:KEEP_BYTES]
    out: dict[str, Any] = {
        "id": res.stage.id,
        "title": res.stage.title,
        "status": res.status,
        "message": exc.message if exc else ("not run" if res.status == "skipped" else "passed"),
        "time": round(res.time, 3),
        "bytes": {"sent": sent[:KEEP_BYTES].hex(), "received": received.hex()},
        "offset": exc.offset if exc else None,
        "expected": exc.expected if exc else None,
        "rule": exc.rule if exc else None,
        "rfc": exc.rfc if exc else None,
        "cause": exc.cause if exc else None,
        "lesson": f"netlearn learn {lesson_step(exc.lesson)}" if exc and exc.lesson else None,
        "output": res.output,
    }
    return out


def json_report(result: LabResult) -> dict[str, Any]:
    return {
        "lab": result.lab.name,
        "seed": result.seed,
        "command": result.command,
        "passed": result.ok,
        "stages_passed": result.passed,
        "stages_total": result.total,
        "stages": [_stage_dict(r) for r in result.stages],
    }


def gradescope_report(result: LabResult) -> dict[str, Any]:
    """Gradescope's results.json: one test per stage, one point each."""
    tests = []
    for res in result.stages:
        if res.status == "skipped":
            output = "Not run: an earlier stage failed."
        else:
            output = "\n".join(line for line in stage_lines(res, result.total) if line)
        tests.append(
            {
                "name": f"{res.index}. {res.stage.title}",
                "score": 1 if res.status == "passed" else 0,
                "max_score": 1,
                "status": "passed" if res.status == "passed" else "failed",
                "output": output,
            }
        )
    return {
        "score": result.passed,
        "max_score": result.total,
        "output": "\n".join(summary_lines(result)).strip(),
        "tests": tests,
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

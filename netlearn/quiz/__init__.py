"""The quiz: a question bank per lesson, generated questions, spaced repetition, the runners.

Pieces, one idea each:

- `model`: a bank entry (`Question`) and the concrete question a learner is asked (`Asked`).
- `bank`: reading `lessons/<id>/quiz.toml` with file and line for every entry.
- `check`: the content checker for the banks (run by `netlearn check`).
- `scoring`: the answer syntax of each kind, and whether an answer is right.
- `generators/`: questions made from real packets built with scapy, and from the bundled capture.
- `schedule`: the Leitner boxes (pure; the clock is passed in).
- `store`: the quiz's tables in the progress store; each answer is saved as it is given.
- `events`, `render`: what a quiz emits, and how it is drawn in each format.
- `runner`: a quiz or a review, driven by a person at a terminal or by lines on stdin.
- `report`: per-lesson progress and the export for a teacher.

Nothing here imports scapy at import time; generators import it inside their functions.
"""

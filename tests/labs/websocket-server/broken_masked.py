"""Broken: the reference server with one mistake (masked)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref  # noqa: E402

ref.MISTAKES.add("masked")
ref.main()

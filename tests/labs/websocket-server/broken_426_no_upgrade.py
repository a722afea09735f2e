"""Broken: the reference server with one mistake (426-no-upgrade: a 426 without Upgrade)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref  # noqa: E402

ref.MISTAKES.add("426-no-upgrade")
ref.main()

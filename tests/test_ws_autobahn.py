"""Autobahn|Testsuite's fuzzing client against `/echo`: cases 1-7 (framing, pings and pongs,
reserved bits, opcodes, fragmentation, UTF-8 handling, closing), every one OK or informational.

Autobahn runs on Python 2.7; it is found through NETLEARN_WSTEST (the path of a `wstest`) or on
PATH. Without it the test is skipped, saying so. Installed (and checked) with pyenv's 2.7.18:

    python3 -m venv /tmp/vt && /tmp/vt/bin/pip install 'virtualenv<20.22'
    /tmp/vt/bin/virtualenv -p python2.7 /opt/autobahn
    /opt/autobahn/bin/pip install autobahntestsuite==0.8.2 'autobahn[twisted]==0.10.9' \
        twisted==19.10.0 txaio==2.1.0 'klein<17' 'werkzeug<1' 'jinja2<3' 'markupsafe<2' \
        'pyopenssl<20' 'service_identity<18' 'cryptography<3.4' 'attrs<21' \
        'zope.interface<5' 'hyperlink<21' 'incremental<22' 'constantly<16' 'automat<21' \
        'pyhamcrest<2' 'idna<3' 'cffi<1.16' 'pyasn1<0.5' 'pyasn1-modules<0.3' \
        'typing<3.11' unittest2 enum34 ipaddress
    export NETLEARN_WSTEST=/opt/autobahn/bin/wstest
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from netlearn.lessons.websocket.server import ServeConfig, ServerThread

pytestmark = pytest.mark.tools("wstest")

CASES = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*"]
GOOD = {"OK", "INFORMATIONAL"}


def _wstest() -> str | None:
    given = os.environ.get("NETLEARN_WSTEST")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("wstest")


@pytest.mark.timeout(300)
def test_autobahn_cases_1_to_7_on_echo(tmp_path: Path) -> None:
    wstest = _wstest()
    if wstest is None:
        pytest.skip(
            "Autobahn|Testsuite is not installed: set NETLEARN_WSTEST to a `wstest` "
            "(pip install autobahntestsuite in a Python 2.7 virtualenv) or put it on PATH"
        )
    config = ServeConfig(port=0, push_every=60, ping_every=60, max_message=1 << 24)
    with ServerThread(config, lambda _event: None) as srv:
        port = srv.server.port
        spec = {
            "outdir": str(tmp_path / "reports"),
            "servers": [{"agent": "netlearn", "url": f"ws://127.0.0.1:{port}/echo"}],
            "cases": CASES,
            "exclude-cases": [],
            "exclude-agent-cases": {},
        }
        (tmp_path / "spec.json").write_text(json.dumps(spec))
        run = subprocess.run(
            [wstest, "-m", "fuzzingclient", "-s", str(tmp_path / "spec.json")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=280,
        )
    index = tmp_path / "reports" / "index.json"
    assert index.exists(), run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(index.read_text())["netlearn"]
    assert len(results) >= 240, f"only {len(results)} cases ran"
    bad = {
        case: (r["behavior"], r["behaviorClose"])
        for case, r in results.items()
        if r["behavior"] not in GOOD or r["behaviorClose"] not in GOOD
    }
    assert not bad, f"Autobahn cases not OK: {bad}"
    assert srv.server.errors == 0

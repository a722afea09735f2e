"""A lesson is declared once: its package's spec feeds the scene, generator and command registries.

The proof: a tiny example lesson, "hello", built in a temporary folder (a copy of the shipped
lessons with one more entry, and a code package found through NETLEARN_LESSON_CODE), works as a
user runs it, with no shipped file edited.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.errors import NetlearnError

REPO = Path(__file__).resolve().parent.parent

MANIFEST_ENTRY = """
[[lesson]]
id = "hello"
title = "Hello, ports"
minutes = 2
summary = "A tiny example lesson: one scene, one generated question."
"""

LESSON_MD = """\
# Hello, ports

A lesson of one step.

## Well-known ports {#ports}
Servers listen on well-known ports.
::: scene hello.ports service=dns
That was the table.
"""

QUIZ_TOML = """\
[[question]]
id = "hello-gen-port"
kind = "generated"
step = "ports"
generator = "hello.port"
"""

INIT_PY = '''\
"""The hello lesson: an example, built by tests/test_lesson_spec.py."""

from netlearn.lessonspec import Arg, GeneratorSpec, LessonSpec, SceneSpec

SERVICES = ("dns", "http")

SPEC = LessonSpec(
    id="hello",
    command=("netlearn.lessons.hello.cli:hello", "Say which port a service listens on."),
    scenes={
        "ports": SceneSpec(
            "netlearn.lessons.hello.scenes:ports", (Arg("service", SERVICES),), "a port table"
        ),
    },
    generators={
        "hello.port": GeneratorSpec(
            "netlearn.lessons.hello.quiz:port", "generated", (), "a service's port"
        ),
    },
)
'''

SCENES_PY = """\
from netlearn.events import Table

PORTS = {"dns": "53", "http": "80"}


def ports(env, service="dns"):
    yield Table(
        title="hello-scene-ran", columns=("service", "port"), rows=((service, PORTS[service]),)
    )
"""

QUIZ_PY = """\
from netlearn.quiz.generators.common import make, pick_choices


def port(rng, question):
    choices, at = pick_choices(rng, "53", ["80", "443", "22"])
    return make(
        "choice",
        "hello-question: which port does DNS listen on?",
        "DNS listens on port 53.",
        choices=choices,
        correct=(at,),
        source="generated",
    )
"""

CLI_PY = '''\
import typer


def hello(service: str = typer.Option("dns", help="A service name.")) -> None:
    """Say which port a service listens on."""
    print({"dns": 53, "http": 80}.get(service, "unknown"))
'''

# A second package with a command group and no lesson text: found, ordered after the manifest's.
ECHO_INIT_PY = """\
from netlearn.lessonspec import LessonSpec

SPEC = LessonSpec(id="echo", command=("netlearn.lessons.echo.cli:app", "Echo words back."))
"""

ECHO_CLI_PY = '''\
import typer

app = typer.Typer(help="Echo words back.", no_args_is_help=True)


@app.command("say")
def say(words: list[str]) -> None:
    """Print the words."""
    print(" ".join(words))


@app.command("shout")
def shout(words: list[str]) -> None:
    """Print the words in capitals."""
    print(" ".join(words).upper())
'''


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A lessons folder with the hello lesson, its code folder, and the environment for both."""
    from netlearn.paths import lessons_dir

    top = tmp_path_factory.mktemp("house")
    lessons = top / "lessons"
    shutil.copytree(lessons_dir(), lessons)
    with (lessons / "lessons.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(MANIFEST_ENTRY)
    (lessons / "hello").mkdir()
    (lessons / "hello" / "lesson.md").write_text(LESSON_MD, encoding="utf-8")
    (lessons / "hello" / "quiz.toml").write_text(QUIZ_TOML, encoding="utf-8")
    package = top / "code" / "hello"
    package.mkdir(parents=True)
    for name, text in (
        ("__init__.py", INIT_PY),
        ("scenes.py", SCENES_PY),
        ("quiz.py", QUIZ_PY),
        ("cli.py", CLI_PY),
    ):
        (package / name).write_text(text, encoding="utf-8")
    (top / "code" / "echo").mkdir()
    (top / "code" / "echo" / "__init__.py").write_text(ECHO_INIT_PY, encoding="utf-8")
    (top / "code" / "echo" / "cli.py").write_text(ECHO_CLI_PY, encoding="utf-8")
    home = top / "home"
    home.mkdir()
    return {
        "NETLEARN_LESSONS": str(lessons),
        "NETLEARN_LESSON_CODE": str(top / "code"),
        "NETLEARN_HOME": str(home),
    }


def netlearn(
    house: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **house, "COLUMNS": "80"}
    return run_netlearn(list(args), input=stdin, env=env, cwd=REPO, timeout=120)


def test_help_lists_the_new_lesson_after_the_shipped_ones(house: dict[str, str]) -> None:
    result = netlearn(house, "--help")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    commands = names[names.index("lessons") :]
    assert commands.index("socketio") + 1 == commands.index("hello") < commands.index("quiz")
    assert commands.index("hello") + 1 == commands.index("echo")  # not in the manifest: after
    assert "Say which port a service listens on." in result.stdout


def test_its_command_runs_and_has_help(house: dict[str, str]) -> None:
    result = netlearn(house, "hello", "--help")
    assert result.returncode == 0, result.stderr
    assert "Say which port a service listens on." in result.stdout
    assert netlearn(house, "hello", "--service", "http").stdout == "80\n"


def test_a_command_group_from_a_spec(house: dict[str, str]) -> None:
    result = netlearn(house, "echo", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: netlearn echo [OPTIONS] COMMAND [ARGS]..." in result.stdout
    assert "shout" in result.stdout and "\u256d" not in result.stdout  # plain help, no boxes
    assert netlearn(house, "echo", "shout", "hi", "there").stdout == "HI THERE\n"


def test_check_passes_with_it(house: dict[str, str]) -> None:
    """`netlearn check` reads the new lesson (its text, its scene's arguments, its quiz and its
    generator) and finds nothing wrong with it. On a finished tree the whole house is "content
    OK"; a problem elsewhere in the shipped content (while it is being edited) is not this
    test's business, so only the new lesson's silence is required then."""
    result = netlearn(house, "check", house["NETLEARN_LESSONS"])
    assert result.stderr == ""
    assert "hello" not in result.stdout.lower()
    if result.returncode == 0:
        assert result.stdout == "content OK\n"
    else:
        assert result.returncode == 1 and ": " in result.stdout


def test_learn_plays_its_scene(house: dict[str, str]) -> None:
    result = netlearn(house, "learn", "hello", "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert "hello-scene-ran" in result.stdout
    assert "53" in result.stdout


def test_quiz_asks_its_generated_question(house: dict[str, str]) -> None:
    result = netlearn(house, "quiz", "hello", "--format", "plain", "--seed", "1", stdin="?\n")
    assert result.returncode == 0, result.stderr
    assert "hello-question: which port does DNS listen on?" in result.stdout


def test_a_bad_scene_argument_is_refused_by_check(house: dict[str, str], tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    shutil.copytree(house["NETLEARN_LESSONS"], lessons)
    text = LESSON_MD.replace("service=dns", "service=dnz")
    (lessons / "hello" / "lesson.md").write_text(text, encoding="utf-8")
    result = netlearn({**house, "NETLEARN_LESSONS": str(lessons)}, "check", str(lessons))
    assert result.returncode == 1
    assert "service='dnz': choose one of dns, http; did you mean 'dns'?" in result.stdout


# --- the registries, in process --------------------------------------------------------------


def test_the_registries_follow_the_manifest() -> None:
    from netlearn.cli.lazy import LAZY, ORDER
    from netlearn.content.manifest import load
    from netlearn.lessonspec import lesson_specs
    from netlearn.quiz.generators import GENERATORS
    from netlearn.scenes import SCENES

    shipped = [spec.id for spec in lesson_specs()]
    assert shipped == [lesson.id for lesson in load()]
    assert list(dict.fromkeys(name.split(".")[0] for name in SCENES)) == shipped
    assert [name for name in LAZY if name in shipped] == shipped
    assert ("lessons", "learn", *shipped, "quiz", "review", "lab", "progress", "check") == ORDER
    # generator names keep the ids quiz banks and progress store
    assert {"ws.accept", "ws.frame", "sio.packet", "tcp.synack_ack", "osi.hex_layer"} <= set(
        GENERATORS
    )


def test_every_target_names_a_real_function() -> None:
    import importlib

    from netlearn.cli.lazy import LAZY
    from netlearn.quiz.generators import GENERATORS
    from netlearn.scenes import SCENES

    for name, spec in [*SCENES.items(), *GENERATORS.items()]:
        module, func = spec.target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name
    for target, _help in LAZY.values():
        module, _, name = target.partition(":")
        assert not name or hasattr(importlib.import_module(module), name), target


def test_a_package_without_a_spec_or_with_a_wrong_id_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import netlearn.lessons
    from netlearn.lessonspec import lesson_specs

    (tmp_path / "nospec").mkdir()
    (tmp_path / "nospec" / "__init__.py").write_text('"""No SPEC here."""\n')
    monkeypatch.setattr(netlearn.lessons, "__path__", [*netlearn.lessons.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "netlearn.lessons.nospec", raising=False)
    with pytest.raises(NetlearnError, match=r"netlearn.lessons.nospec declares no SPEC"):
        lesson_specs()
    (tmp_path / "nospec" / "__init__.py").write_text(
        "from netlearn.lessonspec import LessonSpec\nSPEC = LessonSpec(id='other')\n"
    )
    sys.modules.pop("netlearn.lessons.nospec", None)
    with pytest.raises(NetlearnError, match=r"SPEC.id is 'other'"):
        lesson_specs()
    sys.modules.pop("netlearn.lessons.nospec", None)


def test_two_lessons_may_not_claim_one_generator() -> None:
    from netlearn.lessonspec import GeneratorSpec, LessonSpec, _generators

    gen = GeneratorSpec("m:f", "generated")
    specs = (
        LessonSpec(id="a", generators={"x.y": gen}),
        LessonSpec(id="b", generators={"x.y": gen}),
    )
    with pytest.raises(NetlearnError, match="'x.y' is declared by both 'a' and 'b'"):
        _generators(specs)


def test_a_lesson_id_with_a_hyphen_is_a_package_with_an_underscore() -> None:
    from netlearn.lessonspec import package_name

    assert package_name("tcp-echo") == "tcp_echo"


def test_lesson_code_folders_from_the_environment(tmp_path: Path) -> None:
    code = (
        "import netlearn.lessons as p, sys; print(p.__path__[-1] == sys.argv[1], len(p.__path__))"
    )
    env = {**os.environ, "NETLEARN_LESSON_CODE": f"{tmp_path}{os.pathsep}"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert out.stdout.split() == ["True", "2"], out.stderr


def test_reading_every_spec_imports_nothing_heavy() -> None:
    """A lesson's `__init__` is read for `--help` and `netlearn check`: strings only."""
    code = (
        "import sys; from netlearn.lessonspec import lesson_specs; lesson_specs(); "
        "heavy = ('scapy', 'rich', 'textual', 'typer', 'h11', 'wsproto', 'socketio', 'engineio'); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)), "
        "sorted(m for m in sys.modules if m.startswith('netlearn.lessons.') and m.count('.') > 2))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "[]"], out.stdout + out.stderr


def test_an_unreadable_manifest_orders_the_lessons_by_name(tmp_path: Path) -> None:
    from netlearn.lessonspec import manifest_ids

    assert manifest_ids(tmp_path) == []
    (tmp_path / "lessons.toml").write_text("[[lesson]\n")
    assert manifest_ids(tmp_path) == []
    (tmp_path / "lessons.toml").write_text('[[lesson]]\nid = "b"\n[[lesson]]\nid = "a"\n')
    assert manifest_ids(tmp_path) == ["b", "a"]

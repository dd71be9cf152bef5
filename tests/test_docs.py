"""The documentation tells the truth: every ``hipdrive`` command and option written in the
README and docs/ exists in the parser, and docs/wire.md gives the messages' fields and the
files' columns and keys as the code has them."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from edge.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"(?:^\s*|`|bin/)hipdrive((?: [a-z][a-z-]*)+)((?: [^`\n#]*)?)")
"""A command as the docs write one: at the start of a line (a code block), in backticks, or
called from the venv (``.venv/bin/hipdrive``)."""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings}


def documented() -> list[tuple[str, int, str]]:
    """(file, line, text after ``hipdrive``) of every command line the docs write."""
    out = []
    for path in DOCS:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in COMMAND.finditer(line):
                out.append((path.name, n, match.group(1) + match.group(2)))
    return out


def test_the_docs_write_commands() -> None:
    assert len(documented()) > 40


@pytest.mark.parametrize(("doc", "line", "command"), documented())
def test_every_documented_command_and_option_exists(doc: str, line: int, command: str) -> None:
    parser = build_parser()
    words = command.split()
    for word in list(words):
        commands = _subparsers(parser)
        if not commands or word not in commands:
            break
        parser = commands[word]
        words.remove(word)
    else:
        words = []
    if _subparsers(parser):
        pytest.fail(f"{doc}:{line}: 'hipdrive {command.strip()}' names no command")
    unknown = [
        w.split("=")[0]
        for w in words
        if w.startswith("--") and w.split("=")[0].rstrip(",.;:)]") not in _options(parser)
    ]
    assert not unknown, f"{doc}:{line}: hipdrive {command.strip()}: no option {unknown}"


def test_hipdrive_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"hipdrive \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


WIRE = ROOT / "docs" / "wire.md"


def wire_sections() -> dict[str, set[str]]:
    """The fields docs/wire.md gives each message (``## `hipdrive.TOPIC` ...`` sections; the
    metric stats under "Each entry of `metrics`") and the control commands."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in WIRE.read_text(encoding="utf-8").splitlines():
        if heading := re.match(r"## `hipdrive\.(\w+)`", line):
            current = heading.group(1)
        elif line.startswith("Each entry of `metrics`"):
            current = "metric stats"
        elif line.startswith("## Control"):
            current = "control"
        elif line.startswith("## "):
            current = None
        elif current and line.startswith("| `"):
            sections.setdefault(current, set()).update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return sections


def test_wire_md_gives_every_field_of_the_schema_and_no_other() -> None:
    import dataclasses

    from edge.bus.control import COMMANDS
    from edge.bus.schema import FrameMsg, MetricStats, StatusMsg, StepMsg, SummaryMsg

    common = {"type", "v", "station", "t"}
    sections = wire_sections()
    for name, cls in (
        ("frame", FrameMsg),
        ("step", StepMsg),
        ("summary", SummaryMsg),
        ("status", StatusMsg),
        ("metric stats", MetricStats),
    ):
        fields = {f.name for f in dataclasses.fields(cls)} - common
        assert sections[name] == fields, name
    assert sections["control"] == set(COMMANDS)


def wire_file_lists() -> list[list[str]]:
    """The lists in the code blocks of docs/wire.md's Files section, in order."""
    text = WIRE.read_text(encoding="utf-8").split("\n## Files\n", 1)[1]
    blocks = re.findall(r"```\n(.*?)\n```", text, re.S)
    return [re.split(r",\s*", block.strip()) for block in blocks]


def test_wire_md_gives_the_files_columns_and_keys() -> None:
    import ast

    from edge.measure import bench
    from edge.skeleton import KEYPOINT_NAMES
    from edge.store.sessions import STEPS_CSV_COLUMNS

    keypoints, steps, bench_keys = wire_file_lists()
    assert keypoints == list(KEYPOINT_NAMES)
    assert steps == list(STEPS_CSV_COLUMNS)
    as_json = next(
        node
        for node in ast.walk(ast.parse(Path(bench.__file__).read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == "as_json"
    )
    returned = next(n.value for n in ast.walk(as_json) if isinstance(n, ast.Return))
    assert isinstance(returned, ast.Dict)
    assert bench_keys == [ast.literal_eval(k) for k in returned.keys if k is not None]

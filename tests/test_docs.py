"""The documentation tells the truth about the command line: every ``hipdrive`` command and
option written in the README and docs/ exists in the parser."""

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

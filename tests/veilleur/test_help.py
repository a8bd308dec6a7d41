"""What ``veilleur --help`` promises is what each command says and accepts: the one-line help of
the table is the first line of the command's docstring, every option a help text names exists,
and the formats the export names are the ones it takes."""

from __future__ import annotations

import importlib
import re

import click
import pytest
from click.testing import CliRunner

from veilleur.cli import COMMANDS, cli


def _command(name: str) -> click.Command:
    module, attr = COMMANDS[name][0].split(":")
    command = getattr(importlib.import_module(module), attr)
    assert isinstance(command, click.Command)
    return command


def _options(command: click.Command) -> set[str]:
    names = {opt for p in command.params for opt in getattr(p, "opts", [])}
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            names |= _options(sub)
    return names


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_one_line_help_is_the_docstring_first_line(name: str) -> None:
    command = _command(name)
    assert command.callback is not None and command.callback.__doc__
    first, _, rest = command.callback.__doc__.strip().partition("\n")
    assert COMMANDS[name][1] == first.strip()
    assert first.strip().endswith("."), "a sentence, then the details after a blank line"
    assert not rest or rest.startswith("\n"), "the summary is one line"


def _named_options(name: str, text: str) -> set[str]:
    """Options ``text`` names for command ``name`` (an example of another command, such as
    ``veilleur users add alice --role admin`` in ``serve``'s help, names that one's)."""
    found: set[str] = set()
    for part in re.split(r"(?=\bveilleur [a-z])", text):
        other = re.match(r"veilleur ([a-z-]+)", part)
        if other and other.group(1) != name:
            continue
        found |= set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", part))
    return found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_options_a_help_names_exist(name: str) -> None:
    command = _command(name)
    named = _named_options(name, command.help or "") | _named_options(name, COMMANDS[name][1])
    assert named <= _options(command) | {"--help"}, named - _options(command)


def test_top_level_help_shows_the_table() -> None:
    output = CliRunner().invoke(cli, ["--help"], terminal_width=200).output
    for name, (_target, summary) in COMMANDS.items():
        assert re.search(rf"^\s+{re.escape(name)}\s+{re.escape(summary)}$", output, re.M), name


def test_export_takes_every_format_its_help_names() -> None:
    export = _command("export")
    fmt = next(p for p in export.params if p.name == "fmt")
    assert isinstance(fmt.type, click.Choice)
    assert {"csv", "json", "jsonl", "ocds"} <= set(fmt.type.choices)
    assert "CSV, JSON, JSON lines or an OCDS" in COMMANDS["export"][1]


def test_run_nightly_help_names_what_it_skips() -> None:
    nightly = _command("run-nightly")
    assert {"--no-crawl", "--no-digest", "--source"} <= _options(nightly)

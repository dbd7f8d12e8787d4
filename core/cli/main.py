"""The parser and the entry point of ``python -m core``.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Optional, Sequence

from core.errors import ParameterError, WorkbenchError
from core.cli.ablate import _add_ablate_parser
from core.cli.heldout import _add_heldout_parsers
from core.cli.data import _add_extract_parser, _add_prepare_parser, _add_summary_parser, _add_synth_parser
from core.cli.reports import _add_export_parser, _add_indicators_parser, _add_sweep_parser


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m core`` parser: one sub-command per job (see :mod:`core.cli`)."""
    parser = argparse.ArgumentParser(prog="python -m core",
                                     description="Audio-lyrics fusion workbench: datasets, features, experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_synth_parser(sub)
    _add_extract_parser(sub)
    _add_summary_parser(sub)
    _add_prepare_parser(sub)
    _add_ablate_parser(sub)
    _add_sweep_parser(sub)
    _add_export_parser(sub)
    _add_indicators_parser(sub)
    _add_heldout_parsers(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except WorkbenchError as exc:
        message = str(exc)
        if isinstance(exc, ParameterError):
            message = in_flag_words(parser, args.command, message)
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; finished work is cached and the next run resumes from there", file=sys.stderr)
        return 130


def in_flag_words(parser: argparse.ArgumentParser, command: str, message: str) -> str:
    """``message`` of a :class:`ParameterError` with "The 'tracks_per_genre' parameter of SynthConfig" said as
    the command's own flag ("--tracks-per-genre"), when ``command`` has that flag; unchanged otherwise."""
    match = re.match(r"The '(\w+)' parameter of \w+", message)
    if not match:
        return message
    flag = "--" + match.group(1).replace("_", "-")
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = subparsers.choices.get(command)
    if sub is None or flag not in {o for a in sub._actions for o in a.option_strings}:
        return message
    return flag + message[match.end():]

"""Errors the user can act on, each mapped to the exit code of DESIGN.md.

Every message says what is wrong and what to do next; the CLI prints it without a traceback.
"""

from __future__ import annotations


class HipdriveError(Exception):
    """An error with a message meant for the person at the station."""

    exit_code = 1


class UsageError(HipdriveError):
    """A bad argument, configuration value or input file (exit 2)."""

    exit_code = 2


class MissingResourceError(HipdriveError):
    """Missing or unusable hardware or model (exit 3)."""

    exit_code = 3


def missing_extra(package: str, extra: str) -> MissingResourceError:
    """The error for an optional package that is not installed, with the exact install command."""
    return MissingResourceError(
        f"{package} is not installed; install it with: pip install 'hipdrive[{extra}]'"
    )

"""One root error for the library, and the subclasses pages and the CLI catch.

Pages and the command line catch :class:`WorkbenchError` and show its message; any other
exception is a bug.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Root of every error that ``core`` raises on purpose.

    Attributes
    ----------
    problems : tuple
        Per-file problems (:class:`core.tracks.Problem`: ``path``, ``reason``, ``hint``,
        ``stage``) that explain the error, when a caller attached them (e.g. an extraction that left
        nothing usable to cluster lists each file it could not use); empty otherwise.
    """

    problems: tuple = ()


class ParameterError(WorkbenchError, ValueError):
    """A parameter is outside what is allowed.

    Messages follow one shape: "The 'name' parameter of Owner must be <allowed>. Got <value> instead."
    """


class DatasetError(WorkbenchError):
    """A dataset cannot be loaded at all (missing folder, unreadable manifest, no usable track)."""


class AudioDecodeError(WorkbenchError):
    """One audio file cannot be decoded or is unusable; the message names the file and the problem."""

    def __init__(self, path: str, reason: str, hint: str = ""):
        self.path = str(path)
        self.reason = reason
        self.hint = hint
        text = f"{self.path}: {reason}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


def check_param(owner: str, name: str, value, allowed: str, ok: bool) -> None:
    """Raise a :class:`ParameterError` in the shared message shape unless ``ok``."""
    if not ok:
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead."
        )

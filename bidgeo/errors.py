"""Typed errors. Each carries a catalogue key and parameters, so its message can be said in
the user's language, and the CLI exit code that ``docs/spec/cli.md`` gives it."""

from __future__ import annotations

from bidgeo.i18n import t


class BidgeoError(Exception):
    """Base class. ``message(lang)`` says what is wrong and how to fix it."""

    exit_code = 2

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "sv") -> str:
        return t(self.key, lang, **self.params)


class InputError(BidgeoError):
    """The input cannot be read or is not supported (exit 2)."""

    exit_code = 2


class ValidationError(BidgeoError):
    """The input was read but is invalid (exit 1)."""

    exit_code = 1


class NotFoundError(BidgeoError):
    """A named thing (project, file) does not exist (exit 2: the command is misused)."""

    exit_code = 2


class ServiceUnavailableError(BidgeoError):
    """A network service such as Overpass cannot be reached (exit 3)."""

    exit_code = 3


class ConflictError(BidgeoError):
    """Someone else changed the thing being saved since it was loaded (exit 1): nothing was
    saved, so no one's change is silently overwritten."""

    exit_code = 1


class ForbiddenError(BidgeoError):
    """The logged-in user's role does not allow what was asked (``bidgeo.accounts``)."""

    exit_code = 1

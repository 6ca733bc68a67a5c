"""Typed errors. Each carries a catalogue key and parameters, so its message can be said in
the user's language, and the CLI exit code that ``docs/spec/cli.md`` gives it."""

from __future__ import annotations

from bidgeo.i18n import t


def say(key: str, lang: str, params: dict) -> str:
    """The catalogue text ``key`` in ``lang``, its ``reason`` parameter (a catalogue key: why
    a file or a service could not be used) said in ``lang`` too."""
    reason = params.get("reason")
    if reason:
        params = {**params, "reason": t(reason, lang, **params)}
    return t(key, lang, **params)


class BidgeoError(Exception):
    """Base class. ``message(lang)`` says what is wrong and how to fix it."""

    exit_code = 2

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "sv") -> str:
        return say(self.key, lang, self.params)


def os_reason(exc: OSError) -> str:
    """Why the operating system refused (a catalogue key for a ``reason``), rather than its
    English text: no permission, a full disk, a missing file or folder, a network that does
    not answer, refuses or cannot find the address."""
    import errno
    import socket

    if isinstance(exc, PermissionError):
        return "reason_os_permission"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "reason_os_timeout"
    if isinstance(exc, socket.gaierror):
        return "reason_os_no_address"
    if isinstance(exc, ConnectionRefusedError):
        return "reason_os_refused"
    if isinstance(exc, FileNotFoundError):
        return "reason_os_missing"
    if isinstance(exc, IsADirectoryError):
        return "reason_os_folder"
    if exc.errno == errno.ENOSPC:
        return "reason_os_disk_full"
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
        return "reason_os_no_network"
    return "reason_os_other"


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

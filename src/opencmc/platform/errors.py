"""The errors a workflow raises; the web and CLI layers map each to a status or exit code."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``field`` names the input at fault when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        body = {"error": type(self).__name__, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The record changed since the caller read it, or is in a state that forbids this."""

    status_code = 409


class AuthenticationFailed(DomainError):
    status_code = 401


class Throttled(DomainError):
    status_code = 429

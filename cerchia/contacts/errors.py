"""The contacts' domain errors (the API answers them as 400 with ``{"detail": ...}``)."""

from __future__ import annotations


class ContactsError(Exception):
    pass


class ImportFailed(ContactsError):
    """A file that cannot be imported; ``line`` is the file's line (1-based) at fault, when
    there is one. Raised before anything is saved."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line

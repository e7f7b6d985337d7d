"""Uploaded files: what a file really is (by its first bytes) and a name safe to store."""

from __future__ import annotations

import re
import unicodedata
from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

# Content type → (first bytes, the extension a stored copy gets, extensions accepted on upload).
DOCUMENT_TYPES: dict[str, tuple[bytes, str, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", "pdf", ("pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png", ("png",)),
    "image/jpeg": (b"\xff\xd8\xff", "jpg", ("jpg", "jpeg")),
}
ACCEPTED_EXTENSIONS = tuple(ext for _magic, _ext, exts in DOCUMENT_TYPES.values() for ext in exts)

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def base_name(name: str) -> str:
    """The last part of an uploaded file's name: browsers and programs may send a whole path,
    with either kind of slash."""
    return re.split(r"[\\/]", name or "")[-1].strip()


def extension_of(name: str) -> str:
    stem, dot, ext = base_name(name).rpartition(".")
    return ext.lower() if dot and stem else ""


def sniff_document_type(file: IO[bytes]) -> str:
    """The content type the file's first bytes prove (PDF, PNG or JPEG), or "" for anything
    else — whatever its name or the browser claim. Leaves the file at its start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for content_type, (magic, _ext, _exts) in DOCUMENT_TYPES.items():
        if head.startswith(magic):
            return content_type
    return ""


def safe_stored_name(name: str, content_type: str) -> str:
    """A name to store a file under: letters, digits, ``-`` and ``_`` from the uploaded name's
    last part, and the extension of what the file really is. Never a path, never hidden."""
    stem = base_name(name).rpartition(".")[0] or base_name(name)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", ascii_stem).strip("_-")[:60] or "document"
    return f"{cleaned}.{DOCUMENT_TYPES[content_type][1]}"


def attachment_response(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored private file as a download: never shown inline, never sniffed into something
    the browser would run, never cached by a shared cache."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        # The row survived a restore without the media folder: say so rather than fail.
        raise Http404(_("The file is missing on the server.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

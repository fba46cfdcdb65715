"""Uploaded files (notice and motion attachments, service-request photos): magic bytes, size cap, SHA-256, stored
by hash under the instance folder's ``uploads/<folder>``. A base module: every feature stores its files here."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from govern.errors import DomainError

MAGIC = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    size: int
    sha256: str


def store_upload(folder: str, filename: str, content: bytes, *, images_only: bool = False,
                 max_bytes: int | None = None) -> Upload:
    """Check a file by its magic bytes and extension, cap its size (``max_bytes``, default the configured
    ``COMMUNICATION_MAX_UPLOAD_BYTES``), store it under its SHA-256."""
    limit = max_bytes or int(current_app.config.get("COMMUNICATION_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    if not content:
        raise DomainError("empty", _("The file is empty."))
    if len(content) > limit:
        raise DomainError("too_large", _("The file is too large (at most %(mb)s MB).", mb=limit // (1024 * 1024)),
                          status=413)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = next(((ctype, e) for magic, ctype, e in MAGIC if content.startswith(magic)), None)
    if kind is None or EXTENSIONS.get(ext) != kind[1] or (images_only and kind[1] == "pdf"):
        if images_only:
            msg = _("Only PNG and JPEG photos are accepted, and the file must really be one.")
        else:
            msg = _("Only PDF, PNG and JPEG files are accepted, and the file must really be one.")
        raise DomainError("bad_type", msg, status=415)
    digest = hashlib.sha256(content).hexdigest()
    path = upload_dir(folder) / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    safe = re.sub(r"[\\/\x00-\x1f]", "_", filename)[-200:] or f"file.{kind[1]}"
    return Upload(safe, kind[0], len(content), digest)


def upload_dir(folder: str) -> Path:
    return Path(current_app.instance_path) / "uploads" / folder

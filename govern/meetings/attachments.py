"""Motion attachments (R10, issue #13 item 4): PDF, PNG or JPEG files of at most 20 MB each, checked by their
magic bytes (:func:`govern.uploads.store_upload`), stored under ``uploads/motions`` by SHA-256. Their name,
media type, size and SHA-256 are in the agenda object (``govern.core.agenda``), so publishing the notice fixes
them: the files owners open from the meeting and ballot pages are the ones the agenda hash covers."""

from __future__ import annotations

from pathlib import Path

from govern.agenda.services import attachment_dir
from govern.ballots.models import Meeting, Motion
from govern.uploads import store_upload, upload_dir

FOLDER = "motions"
#: R10 / issue #13: at most 20 MB per file.
MAX_BYTES = 20 * 1024 * 1024


def store_motion_file(filename: str, content: bytes) -> dict:
    """Check and store one file; its agenda entry ``{name, media_type, size, sha256}``."""
    up = store_upload(FOLDER, filename, content, max_bytes=MAX_BYTES)
    return {"name": up.filename, "media_type": up.content_type, "size": up.size, "sha256": up.sha256}


def motion_files(meeting: Meeting, motion: Motion) -> list[dict]:
    """The motion's files: those the published agenda fixed, or (a draft) the motion's own."""
    if meeting.agenda is not None:
        for entry in meeting.agenda.get("motions", []):
            if entry.get("id") == str(motion.id):
                return list(entry.get("attachments") or [])
        return []
    return list(motion.attachments or [])


def file_path(sha256: str) -> Path | None:
    """Where the file with this SHA-256 is stored (a motion's own, or a proposal's it came from)."""
    for folder in (upload_dir(FOLDER), attachment_dir()):
        path = folder / sha256
        if path.is_file():
            return path
    return None

"""Moved to :mod:`govern.uploads` (motions store their attachments there too); re-exported for callers."""

from govern.uploads import DEFAULT_MAX_BYTES, EXTENSIONS, MAGIC, Upload, store_upload, upload_dir  # noqa: F401

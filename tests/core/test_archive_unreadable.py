"""A ZIP whose entries zipfile cannot read (an unsupported compression method) is "not a record", never a crash."""

import io
import struct
import zipfile

import pytest

from govern.core.archive import MANIFEST, NotARecord, read_record


def _zip_with_method(method: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(MANIFEST, b"{}")
    data = bytearray(buf.getvalue())
    # The compression method sits at offset 8 of the local header and offset 10 of the central directory entry.
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, local + 8, method)
    struct.pack_into("<H", data, central + 10, method)
    return bytes(data)


def test_an_unsupported_compression_method_is_not_a_record():
    with pytest.raises(NotARecord, match="unreadable zip archive"):
        read_record(_zip_with_method(99))

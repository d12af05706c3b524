"""Run a Cloud Task's service once its payload is known to be well formed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from shared.kernel.errors import InvalidArgument

log = logging.getLogger(__name__)
P = TypeVar("P")


def run_task(function: str, data: Any, parse: Callable[[Any], P], use: Callable[[P], object]) -> None:
    """`use(parse(data))`. A payload that does not parse is logged as an error and acknowledged:
    Cloud Tasks retries every answer that is not 2xx, and a malformed payload never becomes valid.
    Whatever `use` raises fails the delivery, so Cloud Tasks tries it again."""
    try:
        payload = parse(data)
    except InvalidArgument as exc:
        log.error(
            "%s dropped a malformed task: %s",
            function,
            exc.message,
            extra={"json_fields": {"function": function, "field": exc.field}},
        )
        return
    use(payload)

"""The library's logger, ``logging.getLogger("inline_sync")``, without importing :mod:`logging`.

Importing :mod:`logging` costs more than the rest of a cold start's imports together (it pulls in
``traceback``, ``tokenize``, ``threading``). An application that never imported it cannot have
configured a handler, so nothing would be shown anyway: :func:`enabled` then answers None at
the cost of a dictionary lookup. inline_sync never configures handlers.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    import logging

DEBUG = 10
INFO = 20

_LOGGER: logging.Logger | None = None


def enabled(level: int) -> logging.Logger | None:
    """The ``inline_sync`` logger when it would emit records of ``level``, else None."""
    global _LOGGER
    if _LOGGER is None:
        module = sys.modules.get("logging")
        if module is None:
            return None
        _LOGGER = module.getLogger("inline_sync")
    return _LOGGER if _LOGGER.isEnabledFor(level) else None

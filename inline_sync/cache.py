"""Small bounded caches that threads may share.

A process-wide cache is hit by every thread that syncs, each on its own connection. Reading is
one dictionary operation (atomic under the GIL); inserting and evicting the oldest entry take a
lock, so two threads never evict the same entry (a KeyError) or iterate a dictionary another
one is changing. On the start-up path: the lock comes from ``_thread``, not ``threading``.
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from typing import TypeVar

    K = TypeVar("K")
    V = TypeVar("V")

_LOCK = _thread.allocate_lock()


def remember(cache: dict[K, V], key: K, value: V, size: int = 64) -> V:
    """Put ``value`` in ``cache`` under ``key``, forgetting the oldest entry when ``cache``
    holds ``size`` already; returns ``value``. Read with ``cache.get(key)``."""
    with _LOCK:
        if key not in cache and len(cache) >= size:
            del cache[next(iter(cache))]
        cache[key] = value
    return value

"""``python -m inline_sync``: the same as the ``inline-sync`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())

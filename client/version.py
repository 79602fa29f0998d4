"""The installed package's version: what support staff ask for first."""

from __future__ import annotations

__all__ = ["version"]


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("sanwu")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"

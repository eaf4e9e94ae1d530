"""A deterministic order for node labels of any type (ties broken by their text)."""

from collections.abc import Hashable

__all__ = ["sort_key"]


def sort_key(x: Hashable) -> str:
    """The text of ``x``: sorts labels of mixed types the same way every run.

    >>> sorted([10, 9, "a"], key=sort_key)
    [10, 9, 'a']
    """
    return str(x)

"""In-memory caches bounded by bytes, not by entries.

An entry count says nothing about memory: one statement of 50 KB parses to
megabytes of JSON and decoded nodes, a thousand small ones to almost nothing.
Each cache here is given a budget in bytes and a function that estimates an
entry's size (text lengths times a factor is enough); the least recently used
entries go first when the budget is exceeded, and an entry larger than the
whole budget is not kept at all.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any
from collections.abc import Callable, Hashable

MB = 1024 * 1024
_MISSING = object()


class ByteLRU:
    """A least-recently-used mapping whose entries' estimated sizes stay under ``max_bytes``."""

    def __init__(self, max_bytes: int, name: str = "") -> None:
        self.max_bytes = max_bytes
        self.name = name
        self.bytes = 0
        self.hits = self.misses = self.evictions = 0
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()  # the server analyses on more than one thread

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: Any, nbytes: int) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if nbytes > self.max_bytes:
                return  # would push everything else out and still not fit
            self._data[key] = (value, nbytes)
            self.bytes += nbytes
            while self.bytes > self.max_bytes:
                _, (_, size) = self._data.popitem(last=False)
                self.bytes -= size
                self.evictions += 1

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0

    def info(self) -> dict:
        return {
            "name": self.name,
            "entries": len(self._data),
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "hits": self.hits,
            "misses": self.misses,
            "evictions": self.evictions,
        }


def byte_lru_cache(max_bytes: int, size: Callable[..., int]):
    """Like ``functools.lru_cache`` for a function of hashable positional arguments, bounded
    by ``size(result, *args)`` bytes in all. ``fn.cache`` is the :class:`ByteLRU`."""

    def decorate(fn):
        cache = ByteLRU(max_bytes, fn.__qualname__)

        @functools.wraps(fn)
        def wrapper(*args):
            found = cache.get(args, _MISSING)
            if found is not _MISSING:
                return found
            value = fn(*args)
            cache.put(args, value, size(value, *args))
            return value

        wrapper.cache = cache
        wrapper.cache_clear = cache.clear
        wrapper.cache_info = cache.info
        return wrapper

    return decorate

"""``Lazy``: a value read on first use, at most once (thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value read on first ``get()``, once; later calls return the same value."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read: Callable[[], T] | None = read
        self._value: T | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        return cls(lambda: value)

    def get(self) -> T:
        with self._lock:
            if self._read is not None:
                self._value = self._read()
                self._read = None
            return self._value  # type: ignore[return-value]

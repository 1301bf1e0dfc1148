"""BLAS on the calling thread: the engine's products run single-threaded while it holds this.

OpenBLAS (NumPy's BLAS) spreads a large product over every core and its threads spin while
they wait: with a free core two BLAS threads are faster, but with the machine busy (another
process, a second run, the dashboard's own thread) they were measured 3-16x slower than one.
The objective therefore does its own parallelism, over blocks of samples, each block's
products on the thread that runs it (:mod:`.objective`); this module keeps BLAS to that one
thread meanwhile. The limit is process-wide (BLAS has one thread count), held while any
evaluation needs it and restored when the last one ends.
"""

from __future__ import annotations

import functools
import threading

_lock = threading.Lock()
_holders = 0
_restore: list[tuple[object, int]] = []  # (library controller, its thread count before)


@functools.cache
def _libraries() -> tuple:
    """threadpoolctl's controllers of the BLAS libraries loaded (by NumPy, imported first)."""
    import numpy  # noqa: F401  (loads the BLAS library the controllers find)
    from threadpoolctl import ThreadpoolController

    return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)


class CallingThreadBlas:
    """Context manager: while any holder is inside, every BLAS library loaded runs each
    product on the thread that calls it (thread count 1); the counts are restored when the
    last holder leaves. Safe to enter from several threads at once; 2 µs to enter and leave."""

    __slots__ = ()

    def __enter__(self) -> CallingThreadBlas:
        global _holders
        with _lock:
            if _holders == 0:
                for library in _libraries():
                    count = library.get_num_threads()
                    if count != 1:
                        library.set_num_threads(1)
                        _restore.append((library, count))
            _holders += 1
        return self

    def __exit__(self, *exc_info) -> None:
        global _holders
        with _lock:
            _holders -= 1
            if _holders == 0:
                for library, count in _restore:
                    library.set_num_threads(count)
                _restore.clear()


calling_thread_blas = CallingThreadBlas()

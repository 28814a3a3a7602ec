"""Say on standard error what is compiling, while it does.

The loops backend compiles its kernels on first use: for each dtype, once per machine (then
they load from the on-disk cache in about a second), which takes up to a minute. Without a
word that looks like a hang. When a compilation of the library's kernels runs longer than
``NOTICE_AFTER`` seconds, one line says what is compiling and why, and a second how long it
took. Compilations of other code, and loads from the cache, are never announced.
"""
import sys
import threading
import time

from numba.core import event, types

NOTICE_AFTER = 1.0   # seconds


def _dtype(argument_types):
    """The dtype of the first floating-point array among a compilation's argument types
    (NamedTuples of arrays included), e.g. "float64"."""
    for t in argument_types:
        if isinstance(t, types.Array) and isinstance(t.dtype, types.Float):
            return str(t.dtype)
        if isinstance(t, types.BaseTuple):
            found = _dtype(t.types)
            if found:
                return found
    return ""


class _Notice(event.Listener):
    """Announces the outermost compilation of a kernel of ``ffnn_numba.kernels``. Numba
    compiles under one global lock, so one compilation is outermost at a time."""

    def __init__(self):
        self.depth = 0
        self.timer = None
        self.shown = False
        self.start = 0.0

    def on_start(self, ev):
        self.depth += 1
        dispatcher = ev.data["dispatcher"]
        if self.depth != 1 or not dispatcher.py_func.__module__.startswith("ffnn_numba.kernels"):
            return
        name, dtype = dispatcher.py_func.__name__, _dtype(ev.data["args"])
        self.start, self.shown = time.perf_counter(), False
        self.timer = threading.Timer(NOTICE_AFTER, self._show, (name, dtype))
        self.timer.daemon = True
        self.timer.start()

    def on_end(self, ev):
        self.depth -= 1
        if self.depth == 0 and self.timer is not None:
            self.timer.cancel()
            self.timer = None
            if self.shown:
                print(f"ffnn_numba: compiled in {time.perf_counter() - self.start:.0f} s",
                      file=sys.stderr, flush=True)

    def _show(self, name, dtype):
        self.shown = True
        print(f"ffnn_numba: compiling the loops backend's kernels ({name}, {dtype}): first use "
              f"of this dtype with these kernel sources on this machine, up to a minute; "
              f"later runs load them from the on-disk cache ...", file=sys.stderr, flush=True)


event.register("numba:compile", _Notice())

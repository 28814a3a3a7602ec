"""Say on standard error what is compiling, while it does.

The loops backend compiles its kernels on first use of each dtype, once per machine and
version (then they load from the on-disk cache in well under a second); without a word that
looks like a hang. When a compilation of the library's kernels runs longer than
``NOTICE_AFTER`` seconds, one line says what is compiling, why, and about how long it took
on this machine the last time (kept beside the cache, in ``SECONDS_FILE``), and a second
line how long it took and how many kernels it compiled. Each dtype is announced once per
process; compilations of other code, and loads from the cache, are never announced.
``ffnn-numba compile`` fills the cache ahead of time.
"""
import json
import os
import sys
import threading
import time

from numba.core import event, types

from . import files
from .kernels import _jit

NOTICE_AFTER = 1.0   # seconds
# Seconds of the last announced compilation of each entry point and dtype on this machine,
# beside the cache directories of every version, so that it outlives them.
SECONDS_FILE = (os.path.join(os.path.dirname(_jit.CACHE_DIR), "compile-seconds.json")
                if _jit.CACHE_DIR else None)


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


def _last_seconds():
    try:
        with open(SECONDS_FILE) as f:
            seconds = json.load(f)
        return seconds if isinstance(seconds, dict) else {}
    except (OSError, ValueError, TypeError):   # none yet, unreadable, or not ours
        return {}


def _record(key, seconds):
    """Keep ``seconds`` for ``key`` in SECONDS_FILE; a cache that cannot be written keeps none."""
    if SECONDS_FILE is None:
        return
    record = _last_seconds()
    record[key] = round(seconds, 1)
    try:
        files.write_text(SECONDS_FILE, json.dumps(record, indent=1, sort_keys=True))
    except OSError:
        pass


class _Notice(event.Listener):
    """Announces the outermost compilation of a kernel of ``ffnn_numba.kernels``. Numba
    compiles under one global lock, so one compilation is outermost at a time."""

    def __init__(self):
        self.depth = 0
        self.timer = None
        self.shown = False
        self.start = 0.0
        self.kernels = 0
        self.key = ""
        self.announced = set()   # dtypes announced in this process

    def on_start(self, ev):
        self.depth += 1
        dispatcher = ev.data["dispatcher"]
        ours = dispatcher.py_func.__module__.startswith("ffnn_numba.kernels")
        if self.depth > 1:
            self.kernels += ours
            return
        if not ours:
            return
        name, dtype = dispatcher.py_func.__name__, _dtype(ev.data["args"])
        self.start, self.shown, self.kernels, self.key = time.perf_counter(), False, 1, \
            f"{name} {dtype}"
        if dtype not in self.announced:
            self.timer = threading.Timer(NOTICE_AFTER, self._show, (name, dtype))
            self.timer.daemon = True
            self.timer.start()

    def on_end(self, ev):
        self.depth -= 1
        if self.depth == 0 and self.timer is not None:
            self.timer.cancel()
            self.timer = None
            if self.shown:
                seconds = time.perf_counter() - self.start
                print(f"ffnn_numba: compiled {self.kernels} kernels in {seconds:.0f} s",
                      file=sys.stderr, flush=True)
                _record(self.key, seconds)

    def _show(self, name, dtype):
        self.shown = True
        self.announced.add(dtype)
        last = _last_seconds().get(self.key)
        expect = (f"about {last:.0f} s on this machine last time" if isinstance(last, (int, float))
                  else "a few seconds to half a minute")
        where = ("later runs load them from the on-disk cache; `ffnn-numba compile` fills it "
                 "ahead of time" if _jit.CACHE_DIR else
                 "FFNN_NUMBA_CACHE=0: every process compiles them again")
        print(f"ffnn_numba: compiling the loops backend's {dtype} kernels for {name} (first use "
              f"of this dtype with these kernel sources on this machine): {expect}; {where} ...",
              file=sys.stderr, flush=True)


event.register("numba:compile", _Notice())

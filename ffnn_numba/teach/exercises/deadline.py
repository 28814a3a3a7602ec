"""A wall-clock bound on one call of a student's function: an infinite loop must not hang the
grader.

On the main thread of a POSIX system the function runs where it is called, and SIGALRM
(``signal.setitimer``) raises ``TookTooLong`` inside it once its time is up, so it stops
there. Elsewhere (Windows has no SIGALRM, and only the main thread may handle signals) it
runs in a helper thread instead, and the caller stops waiting for it after the same time;
but Python cannot stop a thread, so a function that never returns runs on in the
background until Python exits. Neither way stops code that never returns to Python
between bytecodes: a function compiled with Numba, or one long call into C.
"""
import signal
import threading
import time

# Seconds between repeats of TookTooLong, should the function catch the first (a bare
# `except:` in its loop): it is raised again until the function lets it through.
REPEAT = 0.1


class TookTooLong(BaseException):
    """The function ran past its bound. A BaseException, as KeyboardInterrupt is, so that
    the student's own ``except Exception`` does not swallow it. ``stopped``: whether the
    function was stopped, or runs on in a helper thread."""

    def __init__(self, seconds, stopped):
        super().__init__(seconds, stopped)
        self.seconds, self.stopped = seconds, stopped


def call_within(seconds, function, *args):
    """``function(*args)`` under a bound of ``seconds`` of wall-clock time (None: no
    bound): what it returns or raises, or ``TookTooLong`` once the time is up."""
    if seconds is None:
        return function(*args)
    if _can_alarm():
        return _alarmed(seconds, function, args)
    return _threaded(seconds, function, args)


def _can_alarm():
    # getsignal is None where a handler was set outside Python: that one is left alone.
    return (hasattr(signal, "setitimer") and signal.getsignal(signal.SIGALRM) is not None
            and threading.current_thread() is threading.main_thread())


def _alarmed(seconds, function, args):
    armed = [True]   # off before the timer is: an alarm on the way out raises nothing

    def alarm(signum, frame):
        if armed[0]:
            raise TookTooLong(seconds, True)

    previous = signal.signal(signal.SIGALRM, alarm)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    started = time.monotonic()
    try:
        return function(*args)
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0]:   # the caller's own timer (pytest-timeout's, say), with the time it had left
            left = outer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), outer[1])


def _threaded(seconds, function, args):
    box = {}

    def run():
        try:
            box["result"] = function(*args)
        except BaseException as exc:   # carried over to the caller, and raised there
            box["error"] = exc

    thread = threading.Thread(target=run, name="ffnn-numba student function", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TookTooLong(seconds, False)
    if "error" in box:
        raise box["error"]
    return box["result"]

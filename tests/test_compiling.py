"""The notice on standard error while the library's kernels compile."""
import time
import types as pytypes

import numpy as np
from numba import typeof

from ffnn_numba import compiling
from ffnn_numba.layout import Problem


def _event(module, name, args):
    def f():
        pass
    f.__module__, f.__name__ = module, name
    return pytypes.SimpleNamespace(data={"dispatcher": pytypes.SimpleNamespace(py_func=f),
                                         "args": args})


def test_a_long_compilation_of_a_kernel_is_announced_once_with_its_duration(monkeypatch, capsys,
                                                                            tmp_path):
    monkeypatch.setattr(compiling, "NOTICE_AFTER", 0.01)
    monkeypatch.setattr(compiling, "SECONDS_FILE", str(tmp_path / "compile-seconds.json"))
    notice = compiling._Notice()
    problem = typeof(Problem(np.zeros((2, 4), np.int64), 0, False, 0.0, 0, np.zeros(6),
                             np.zeros((2, 3), np.int64)))
    outer = _event("ffnn_numba.kernels.step", "train_epoch",
                   (typeof(np.zeros((2, 3), np.float32)), problem))
    inner = _event("ffnn_numba.kernels.gemm", "gemm", ())
    notice.on_start(outer)
    notice.on_start(inner)   # nested compilations are part of the outer one
    time.sleep(0.2)
    notice.on_end(inner)
    notice.on_end(outer)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert "compiling the loops backend's float32 kernels for train_epoch" in err[0]
    assert "a few seconds to half a minute" in err[0] and "ffnn-numba compile" in err[0]
    assert err[1].startswith("ffnn_numba: compiled 2 kernels in")
    assert compiling._last_seconds()["train_epoch float32"] >= 0.2

    # This machine's last time is the next estimate; the same dtype is announced once.
    notice = compiling._Notice()
    said = []
    for _ in range(2):
        notice.on_start(outer)
        time.sleep(0.1)
        notice.on_end(outer)
        said.append(capsys.readouterr().err.splitlines())
    assert len(said[0]) == 2 and "s on this machine last time" in said[0][0], said
    assert said[1] == [], said


def test_an_unreadable_record_of_seconds_is_ignored(monkeypatch, tmp_path):
    record = tmp_path / "compile-seconds.json"
    record.write_text("[not a record")
    monkeypatch.setattr(compiling, "SECONDS_FILE", str(record))
    assert compiling._last_seconds() == {}
    compiling._record("train_epoch float64", 9.25)
    assert compiling._last_seconds() == {"train_epoch float64": 9.2}


def test_short_compilations_and_other_code_say_nothing(monkeypatch, capsys):
    notice = compiling._Notice()
    for module in ("ffnn_numba.kernels.step", "someone_else"):
        event = _event(module, "f", ())
        notice.on_start(event)
        notice.on_end(event)          # well under NOTICE_AFTER
    monkeypatch.setattr(compiling, "NOTICE_AFTER", 0.01)
    event = _event("someone_else", "f", ())
    notice.on_start(event)
    time.sleep(0.1)
    notice.on_end(event)
    assert capsys.readouterr().err == ""

"""``ffnn-numba compile`` fills the kernel cache, one process per dtype, so that a later
process's first fit, step, gradients and predictions compile nothing."""
import json
import os
import subprocess
import sys

import pytest

from ffnn_numba import warmup

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                                reason="nothing is compiled with NUMBA_DISABLE_JIT=1")

AFTER = """
import json, numpy as np, ffnn_numba as ff
from ffnn_numba.kernels import _linking
X, y = ff.datasets.make_spirals(n_per_class=50, seed=0)
for dtype in (np.float64, np.float32):
    net = ff.Network([2, 64, 64, 3], ["relu", "relu", "softmax"], "categorical_cross_entropy",
                     dtype=dtype, seed=0)
    net.fit(X, y, epochs=2, batch_size=32, verbose=False)
    net.step(X, y); net.gradients(X, y); net.predict(X); net.evaluate(X, y)
print(json.dumps(sum(sum(d.stats.cache_misses.values()) for d in _linking.DISPATCHERS.values())))
"""


def test_compile_fills_the_cache_for_both_dtypes_at_once(tmp_path):
    env = dict(os.environ, FFNN_NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "ffnn_numba.cli", "compile"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "float64: ready in" in done.stdout and "float32: ready in" in done.stdout, done.stdout
    assert "2 processes at once" in done.stdout, done.stdout
    after = subprocess.run([sys.executable, "-c", AFTER], env=env, capture_output=True,
                           text=True, timeout=300)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout.splitlines()[-1]) == 0, after.stderr   # nothing compiled
    assert "compiling" not in after.stderr, after.stderr


def test_compile_refuses_an_unknown_dtype_by_name():
    with pytest.raises(ValueError, match="expected distinct comma-separated dtypes from "
                                         "float64, float32; got 'float16'"):
        warmup.compile_dtypes(["float16"])
    done = subprocess.run([sys.executable, "-m", "ffnn_numba.cli", "compile", "--dtype",
                           "float64,float64"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "distinct" in done.stderr, done.stderr

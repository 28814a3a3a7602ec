import numpy as np
import pytest

# Relative tolerance between two computations of the same quantity, measured against the
# largest magnitude of the reference: summation order is all that differs.
RTOL = {np.float64: 1e-12, np.float32: 1e-4}


def assert_close(comp, ref, dtype=np.float64, rtol=None):
    comp, ref = np.asarray(comp, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert comp.shape == ref.shape, (comp.shape, ref.shape)
    rtol = RTOL[dtype] if rtol is None else rtol
    scale = max(np.max(np.abs(ref), initial=0.0), 1e-300)
    err = np.max(np.abs(comp - ref), initial=0.0) / scale
    assert err <= rtol, f"relative error {err:.3e} > {rtol:.0e}"


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    return request.param


@pytest.fixture(params=["loops", "numpy"])
def backend(request):
    return request.param

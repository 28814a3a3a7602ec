"""The fast forms of the matrix equations against the reference loops of kernels/linear.py."""
import numba
import numpy as np
import pytest
from conftest import assert_close

from ffnn_numba import layout
from ffnn_numba.kernels import blocked, gemm, linear, step

# (n, n_prev, m): edges of the 4 x 4 blocks, 1s, and a product above the blocked threshold.
SHAPES = [(1, 1, 1), (3, 5, 2), (4, 4, 4), (5, 9, 7), (13, 6, 1), (1, 17, 6), (67, 130, 35)]
# Edges of gemm's blocks: tiles of MR = 4 (float64) or 12 (float32) rows and NR = 32 columns
# on AVX-512 (6 x 8, 6 x 16 with AVX2), KC = 256 terms, SC = 256 columns per block of s, one
# more and one fewer than each, and random shapes.
rng = np.random.default_rng(7)
GEMM_SHAPES = SHAPES + [(33, 257, 129), (31, 255, 127), (65, 259, 1), (1, 513, 131),
                        (2, 3, 257), (128, 300, 20), (40, 600, 12)]
GEMM_SHAPES += [tuple(int(x) for x in rng.integers(1, 140, 3)) for _ in range(4)]
# The digits network's products (64 -> 32/64 -> 10 at batches of 32), more than one block of s.
GEMM_SHAPES += [(64, 64, 32), (10, 64, 32), (25, 33, 31), (13, 20, 515)]
# R of whole panels only (a batch of 128), which gemm reads in place.
GEMM_SHAPES += [(40, 300, 128), (33, 128, 128)]


def scratch_for(n, n_prev, m, dtype):
    """Scratch for every blocked product of one layer n_prev -> n on m examples (NaN-filled),
    also those too small for the step to use the blocked form (and so for scratch_size)."""
    length = max(gemm.scratch_length(*shape) for shape in
                 [(n, n_prev, m), (n, m, n_prev), (n_prev, m, n), (n_prev, n, m),
                  (m, n_prev, n), (m, n, n_prev)])
    return np.full(length, np.nan, dtype)


def operands(shape, dtype, seed=0):
    n, n_prev, m = shape
    rng = np.random.default_rng(seed)
    W, A_prev = rng.standard_normal((n, n_prev)), rng.standard_normal((n_prev, m))
    b, dZ = rng.standard_normal((n, 1)), rng.standard_normal((n, m))
    return [x.astype(dtype) for x in (W, A_prev, b, dZ)]


@pytest.mark.parametrize("shape", GEMM_SHAPES)
def test_forward_forms(shape, dtype):
    W, A_prev, b, _ = operands(shape, dtype)
    n, n_prev, m = shape
    ref, fast, unrolled, dots = (np.full((n, m), np.nan, dtype) for _ in range(4))
    linear.linear_forward(ref, W, A_prev, b)
    blocked.linear_forward_blocked(fast, W, A_prev, b, scratch_for(n, n_prev, m, dtype))
    blocked.linear_forward_unrolled(unrolled, W, A_prev, b)
    blocked.linear_forward_dots(dots, W, A_prev, b)
    assert_close(fast, ref, dtype)
    assert_close(unrolled, ref, dtype)
    assert_close(dots, ref, dtype)


@pytest.mark.parametrize("shape", GEMM_SHAPES)
def test_backward_forms(shape, dtype):
    W, A_prev, _, dZ = operands(shape, dtype)
    n, n_prev, m = shape
    dW_ref, dW, dW_dots, dW_outer = (np.full((n, n_prev), np.nan, dtype) for _ in range(4))
    linear.weight_gradient(dW_ref, dZ, A_prev)
    blocked.weight_gradient_blocked(dW, dZ, A_prev, scratch_for(n, n_prev, m, dtype))
    blocked.weight_gradient_dots(dW_dots, dZ, A_prev)
    blocked.weight_gradient_outer(dW_outer, dZ, A_prev)
    assert_close(dW, dW_ref, dtype)
    assert_close(dW_dots, dW_ref, dtype)
    assert_close(dW_outer, dW_ref, dtype)
    ref, fast, unrolled = (np.full((n_prev, m), np.nan, dtype) for _ in range(3))
    linear.prev_activation_gradient(ref, W, dZ)
    blocked.prev_activation_gradient_blocked(fast, W, dZ, scratch_for(n, n_prev, m, dtype))
    blocked.prev_activation_gradient_unrolled(unrolled, W, dZ)
    assert_close(fast, ref, dtype)
    assert_close(unrolled, ref, dtype)


def test_gemm_accumulates_and_reads_strided_views(dtype):
    """C += L R for L, R transposed views, into a C that already holds numbers."""
    rng = np.random.default_rng(3)
    Lt, R = rng.standard_normal((300, 70)).astype(dtype), rng.standard_normal((300, 150))[:, ::2]
    C0 = rng.standard_normal((70, 75)).astype(dtype)
    C = C0.copy()
    gemm.gemm(C, Lt.T, R.astype(dtype), np.full(gemm.scratch_length(70, 300, 75), np.nan, dtype),
              False)
    assert_close(C, C0 + Lt.T.astype(np.float64) @ R, dtype)


@pytest.mark.parametrize("order", ["C", "F", "strided"])
def test_gemm_adds_into_C_of_any_order(order, dtype):
    """gemm passes C on strided and adds into it by its order (row_group): C-ordered (Z,
    dA_prev, dW), Fortran-ordered (dW^T) or neither, each over several panels and groups."""
    rng = np.random.default_rng(5)
    L, R = (rng.standard_normal(shape).astype(dtype) for shape in [(70, 40), (40, 300)])
    C0 = rng.standard_normal((70, 300)).astype(dtype)
    C = {"C": C0.copy(), "F": np.asfortranarray(C0),
         "strided": np.repeat(C0, 2, axis=1)[:, ::2]}[order]
    gemm.gemm(C, L, R, np.full(gemm.scratch_length(70, 40, 300), np.nan, dtype), False)
    assert_close(C, C0 + L.astype(np.float64) @ R, dtype)


@pytest.mark.parametrize("order", ["C", "F"])
def test_gemm_overwrites_C_without_reading_it(order, dtype):
    """With overwrite, C = L R: the NaN C held before is never read, in the tiles inside C,
    at its edges and over several blocks of terms."""
    rng = np.random.default_rng(9)
    L, R = (rng.standard_normal(shape).astype(dtype) for shape in [(70, 300), (300, 75)])
    C = np.full((70, 75), np.nan, dtype, order=order)
    gemm.gemm(C, L, R, np.full(gemm.scratch_length(70, 300, 75), np.nan, dtype), True)
    assert_close(C, L.astype(np.float64) @ R, dtype)


@pytest.mark.parametrize("columns", [gemm.NC, 4 * gemm.NC + 5])
def test_gemm_reads_whole_panels_of_R_in_place(columns, dtype):
    """The whole panels of a C-ordered R are read where they lie (only a narrower last one is
    copied), and R is left as it was."""
    rng = np.random.default_rng(6)
    L, R = (rng.standard_normal(shape).astype(dtype) for shape in [(70, 300), (300, columns)])
    C0 = rng.standard_normal((70, columns)).astype(dtype)
    C, R_before = C0.copy(), R.copy()
    gemm.gemm(C, L, R, np.full(gemm.scratch_length(70, 300, columns), np.nan, dtype),
              False)
    assert_close(C, C0 + L.astype(np.float64) @ R, dtype)
    np.testing.assert_array_equal(R, R_before)


@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 33), (12, 300, 31), (13, 257, 65),
                                   (64, 64, 32), (70, 40, 300), (200, 600, 130)])
def test_gemm_stays_inside_its_scratch(shape, dtype):
    """gemm writes no number past ``scratch_length``, in any of the three products' layouts
    (the kernels do not check bounds)."""
    n_r, n_t, n_s = shape
    rng = np.random.default_rng(8)
    for L, R in [(rng.standard_normal((n_r, n_t)), rng.standard_normal((n_t, n_s))),
                 (rng.standard_normal((n_t, n_r)).T, rng.standard_normal((n_t, n_s))),
                 (rng.standard_normal((n_r, n_t)), rng.standard_normal((n_s, n_t)).T)]:
        length = gemm.scratch_length(n_r, n_t, n_s)
        room = np.full(length + 4096, 7.0, dtype)
        C = np.zeros((n_r, n_s), dtype)
        gemm.gemm(C, L.astype(dtype), R.astype(dtype), room[:length], False)
        assert np.all(room[length:] == 7.0)
        assert_close(C, L @ R, dtype)


def test_strided_types_any_array_as_layout_A_without_copying():
    """_views.strided: the same array, typed "A", so that gemm's kernel compiles once for
    every layout of its operands (the four calls of a training step)."""
    from ffnn_numba.kernels._views import strided
    same = numba.njit(lambda a: strided(a))
    a = np.arange(12.0).reshape(3, 4)
    for view in (a, a.T, a[:, ::2]):
        out = same(view)
        assert out.shape == view.shape and np.shares_memory(out, view)
        assert np.array_equal(out, view)
    if not numba.config.DISABLE_JIT:   # plain Python has no types to check
        assert {sig.return_type.layout for sig in same.nopython_signatures} == {"A"}


def test_c_ordered_is_checked_before_typing_an_array_so():
    """_views.is_c_ordered: true only where indexing from the shape (layout "C") reads the
    same numbers as through the strides."""
    from ffnn_numba.kernels._views import c_ordered, is_c_ordered
    check = numba.njit(lambda a: is_c_ordered(a))
    a = np.arange(12.0).reshape(3, 4)
    assert check(a) and check(a.T.T) and check(a[1:2]) and check(a[:, :1].copy())
    assert not check(a.T) and not check(a[:, ::2]) and not check(a[:, :2])
    assert check(np.asfortranarray(a).T)
    retyped = numba.njit(lambda a: c_ordered(a).copy())
    assert np.array_equal(retyped(a), a)


def test_scratch_size_covers_gemm():
    """layout.scratch_size repeats gemm's NC, MC and KC and step's blocked_pays; it must cover
    each product of each layer that takes the blocked form (784 x 130 does from m = 1 on)."""
    layers = layout.make_layers([784, 130, 3, 1000], [0, 0, 0])
    for m in (1, 2, 3, 127, 129, 256):
        need = max([0] + [gemm.scratch_length(n_r, n_t, n_s)
                          for n_prev, n in [(784, 130), (130, 3), (3, 1000)]
                          for n_r, n_t, n_s in [(n, n_prev, m), (n, m, n_prev), (n_prev, n, m)]
                          if step.blocked_pays(n_r, n_t, n_s)])
        assert layout.scratch_size(layers, m) == need


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="threads exist only in compiled code")
@pytest.mark.parametrize("shape", [(128, 2048, 128), (256, 4096, 33), (40, 8192, 130)])
def test_threads_do_not_change_results(shape):
    """Row groups are disjoint and each is summed by one thread: bitwise equal results."""
    W, A_prev, _, dZ = operands(shape, np.float64, seed=1)
    n, n_prev, m = shape
    assert n * n_prev * m >= gemm.PARALLEL_MIN_WORK
    gemm.use_threads(np.float64)
    results = []
    for threads in sorted({1, 2, numba.config.NUMBA_NUM_THREADS}):
        if threads > numba.config.NUMBA_NUM_THREADS:
            continue
        numba.set_num_threads(threads)
        dW, dW_dots = np.empty((n, n_prev)), np.empty((n, n_prev))
        Z, dA = np.empty((n, m)), np.empty((n_prev, m))
        scratch = scratch_for(n, n_prev, m, np.float64)
        blocked.weight_gradient_blocked(dW, dZ, A_prev, scratch)
        blocked.weight_gradient_dots(dW_dots, dZ, A_prev)
        blocked.linear_forward_blocked(Z, W, A_prev, np.zeros((n, 1)), scratch)
        blocked.prev_activation_gradient_blocked(dA, W, dZ, scratch)
        results.append((dW, dW_dots, Z, dA))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert all(np.array_equal(a, b) for r in results for a, b in zip(results[0], r))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="threads exist only in compiled code")
def test_threads_compile_only_for_a_batch_large_enough():
    """The threaded loop of the products compiles (and its address fills the cell packed_gemm
    reads) only once a network meets a batch whose products reach PARALLEL_MIN_WORK: the
    quickstart network's fit and gradients never do."""
    import subprocess
    import sys
    script = """
import numpy as np, ffnn_numba as ff
from ffnn_numba.kernels import gemm, _cells
def ready():
    return _cells.cell(_cells.cell_name(gemm.THREADS, "float64")).value != 0
X, y = ff.datasets.make_spirals(n_per_class=50, seed=0)
net = ff.Network([2, 64, 64, 3], ["relu", "relu", "softmax"], "categorical_cross_entropy", seed=0)
net.fit(X, y, epochs=1, batch_size=32, verbose=False); net.gradients(X, y)
print("quickstart", ready(), len(gemm.threaded_groups.overloads))
big = ff.Network([784, 128, 10], ["relu", "softmax"], "categorical_cross_entropy", seed=0)
big.gradients(np.zeros((784, 128)), np.zeros(128, int))
print("big", ready())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "quickstart False 0" and out[1] == "big True"


@pytest.mark.parametrize("dtype", [np.int64, np.complex128, "float16"])
def test_use_threads_names_a_dtype_it_has_no_kernels_for(dtype):
    with pytest.raises(ValueError, match="float64 or float32"):
        gemm.use_threads(dtype)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="threads exist only in compiled code")
def test_threaded_gemm_leaves_the_callers_chunk_size():
    """gemm cuts its threaded loop into one task per row group and then restores the chunk
    size the calling thread had (Numba keeps it per thread)."""
    n, n_prev, m = 128, 2048, 128
    W, A_prev, _, _ = operands((n, n_prev, m), np.float64, seed=2)
    Z = np.zeros((n, m))
    gemm.use_threads(np.float64)
    numba.set_parallel_chunksize(5)
    try:
        gemm.gemm(Z, W, A_prev, scratch_for(n, n_prev, m, np.float64), False)
        assert numba.get_parallel_chunksize() == 5
    finally:
        numba.set_parallel_chunksize(0)
    assert_close(Z, W @ A_prev)

"""How many threads the backends use, and on which thread pool.

The loops backend runs its parallel loops on Numba's thread pool, which is oneTBB's where
the ``tbb`` package is installed (a dependency on x86-64). Its idle threads sleep instead of
spinning and take over work a descheduled thread has not started, so a busy machine slows a
step in proportion to the cores it takes, not by a scheduler time slice per parallel region
(``ffnn-numba bench --busy 0,1,2`` measures it). ``NUMBA_THREADING_LAYER`` still overrides.

Inside joblib's workers (scikit-learn's ``n_jobs``) Numba starts with
``NUMBA_NUM_THREADS`` = cores // n_jobs, which joblib sets, so the workers share the cores
instead of each starting a thread per core.
"""
import numba


def set_num_threads(n):
    """Use ``n`` threads in this process: Numba's loops, and where installed NumPy's BLAS
    (through threadpoolctl) and PyTorch. The default is every core.

    The loops backend's results do not depend on the thread count: threads split the rows of
    each product, and every output is summed by one thread in one order.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"n must be an integer from 1 to {numba.config.NUMBA_NUM_THREADS} "
                         f"(NUMBA_NUM_THREADS); got {n!r}")
    numba.set_num_threads(n)
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(n)
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


def get_num_threads():
    """The number of threads the loops backend uses."""
    return numba.get_num_threads()

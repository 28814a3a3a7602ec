"""How many threads the backends use."""
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

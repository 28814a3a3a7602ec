"""One training epoch (shuffle included) per implementation: ``Network.fit`` on loops and
numpy, a JAX ``lax.scan`` epoch, a PyTorch eager epoch and scikit-learn's ``partial_fit``
(peers skipped with the reason where not installed), on the cases of ``ffnn-numba bench
--epoch``, with SGD and Adam. The first update of every implementation is checked against
numpy's before it is timed.

    python -m pytest bench/test_bench_epoch.py --benchmark-group-by=group
"""
import pytest
from conftest import skip_missing

from ffnn_numba.bench import epoch as bench_epoch, peers


@pytest.mark.benchmark(max_time=1.0, min_rounds=3)
@pytest.mark.parametrize("implementation", bench_epoch.IMPLEMENTATIONS)
@pytest.mark.parametrize("optimizer", bench_epoch.OPTIMIZERS)
@pytest.mark.parametrize("dtype", bench_epoch.DTYPES)
@pytest.mark.parametrize("case", bench_epoch.CASES)
def test_epoch(run, benchmark, case, dtype, optimizer, implementation):
    skip_missing(implementation)
    if bench_epoch.CASES[case][2] == "digits" and peers.missing("sklearn"):
        pytest.skip(f"the digits are scikit-learn's: {peers.missing('sklearn')}")
    benchmark.group = f"epoch {case} {dtype} {optimizer}"
    net, X, Y, _, _ = bench_epoch.data(case, bench_epoch.DTYPES[dtype])
    batch_size = bench_epoch.CASES[case][1]
    differences, tolerance = bench_epoch.first_updates(
        net, ["numpy", implementation], optimizer, X[:, :batch_size], Y[:, :batch_size])
    assert differences[implementation] <= tolerance
    epoch = bench_epoch.epochs(net, [implementation], bench_epoch.OPTIMIZERS[optimizer](), X, Y,
                               batch_size)[implementation]
    benchmark.extra_info["gflops_per_epoch"] = bench_epoch.epoch_flops(
        net.layer_sizes, X.shape[1], batch_size) / 1e9
    run(lambda: getattr(epoch(), "block_until_ready", lambda: None)())

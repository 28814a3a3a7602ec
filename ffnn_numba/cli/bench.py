"""``ffnn-numba bench``: the benchmark (``ffnn_numba.bench``), its options parsed."""
import argparse

from .arguments import bench_list, busy_levels, real, threads


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("bench", help="time the loops backend against numpy, PyTorch, JAX "
                                              "and scikit-learn, side by side")
    p.add_argument("--sizes", type=bench_list("sizes"), default="tiny,small,medium,large",
                   help="comma-separated, from tiny, small, medium, large")
    p.add_argument("--dtypes", type=bench_list("dtypes"), default="float64,float32",
                   help="comma-separated, from float64, float32")
    p.add_argument("--backends", type=bench_list("backends"), default=None,
                   help="comma-separated, from loops, numpy, torch, jax, sklearn (sklearn: "
                        "epochs only), numpy included (default: all installed; the others are "
                        "skipped with the reason)")
    p.add_argument("--min-time", type=real(0, 3600, low_open=True), default=1.0,
                   help="seconds of repeats per case at least (default 1)")
    p.add_argument("--threads", type=threads, default=None,
                   help="threads for every backend, 1..NUMBA_NUM_THREADS")
    p.add_argument("--busy", type=busy_levels, default=None, metavar="N,N,...",
                   help="also time loops and numpy with N processes spinning on the cores, for "
                        "each N given (e.g. 0,1,2)")
    p.add_argument("--json", metavar="PATH", help="save the raw figures as JSON")
    p.add_argument("--markdown", metavar="PATH", help="save the report (bench/RESULTS.md)")
    p.add_argument("--plot", metavar="PATH",
                   help="draw the step's time against its work, and each sweep beside it as "
                        "PATH's stem + -sweep-KIND (needs matplotlib)")
    p.add_argument("--epoch", action="store_true",
                   help="also time one training epoch (fit, SGD and Adam) against a JAX lax.scan "
                        "epoch, PyTorch eager and scikit-learn's partial_fit, on the sizes among "
                        "tiny, small, medium and on the bundled digits")
    p.add_argument("--sweep", action="append", choices=("width", "batch"),
                   help="also time the step over hidden widths 4..1024 (width) or batch sizes "
                        "1..2048 (batch) and report where the loops stop beating each peer; "
                        "repeat for both")
    p.add_argument("--products", action="store_true",
                   help="also time the three products of a layer (large, and the digits "
                        "networks' first layers) alone against NumPy's BLAS")
    p.add_argument("--cold", action="store_true",
                   help="also time the first fit and gradients of a fresh process with an empty "
                        "kernel cache, then with a warm one")
    # Start-up is now measured only with --cold; the old switch is accepted and does nothing.
    p.add_argument("--no-startup", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args):
    """Time the loops backend side by side with numpy and the installed peers, after checking
    that every one computes the same first update."""
    from .. import bench
    return bench.command(args.sizes.split(","), args.dtypes.split(","),
                         args.backends.split(",") if args.backends else None,
                         min_time=args.min_time, threads=args.threads, busy=args.busy,
                         epoch=args.epoch, sweep=tuple(args.sweep or ()), cold=args.cold,
                         json_path=args.json, markdown_path=args.markdown, plot_path=args.plot,
                         argv=args.argv or [], products=args.products)

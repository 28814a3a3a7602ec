"""``ffnn-numba compile``: fill the kernel cache ahead of time (``ffnn_numba.warmup``)."""
def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("compile", help="compile the loops backend's kernels into the "
                                            "on-disk cache now, so that the first fit is instant")
    p.add_argument("--dtype", default="float64,float32",
                   help="comma-separated, from float64, float32 (default both, one process each)")
    p.set_defaults(run=run)


def run(args):
    """Compile each dtype's kernels in a process of its own, all at once."""
    from .. import warmup
    from ..kernels import CACHE_DIR
    print(f"ffnn-numba compile: kernels for {args.dtype.replace(',', ', ')} into "
          f"{CACHE_DIR or 'memory only (FFNN_NUMBA_CACHE=0: nothing is kept)'} ...", flush=True)
    warmup.compile_dtypes([name.strip() for name in args.dtype.split(",")],
                          log=lambda line: print(line, flush=True))
    return 0

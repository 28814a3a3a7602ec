"""Run the loops backend's training step (or ``fit`` epoch) in a loop, for ``perf`` to sample,
with every compiled function named.

``perf`` names the machine code Numba compiles only through a map file, /tmp/perf-<pid>.map,
which this script writes from every compiled library in the process. A library loaded from
the on-disk cache has no LLVM module to name its functions from, so profile with an empty
cache directory (the script compiles first, about 30 s, and loops after)::

    FFNN_NUMBA_CACHE_DIR=$(mktemp -d) perf record -D 45000 -F 2000 -g -o perf.data \\
        python bench/profile_step.py medium float64 --seconds 20
    perf report -i perf.data --no-children --sort symbol -g none

``-D`` skips the compilation; samples in idle threads (``__schedule``, ``sched_yield``,
TBB's ``pause``) are a thread waiting while another works alone. ``size`` is a benchmark
size (tiny, small, medium, large) or layers and batch size as ``64,32,10:32``; ``--epoch``
profiles ``fit`` epochs over 2048 random examples instead of one step.
"""
import argparse
import gc
import os
import time

import numpy as np
from numba.core.registry import CPUDispatcher

from ffnn_numba.bench import step as bench_step
from ffnn_numba.training import SGD


def write_perf_map(path):
    """One line per compiled function in the process: start address, size, name (the size
    runs to the next function's start, which covers it). Returns the number of functions."""
    names, seen = {}, set()
    for obj in gc.get_objects():
        if not isinstance(obj, CPUDispatcher):
            continue
        for compiled in obj.overloads.values():
            library = compiled.library
            module = getattr(library, "_final_module", None)
            if id(library) in seen or module is None:
                continue
            seen.add(id(library))
            for function in module.functions:
                if not function.is_declaration:
                    address = library.get_pointer_to_function(function.name)
                    if address:
                        names[address] = function.name
    starts = sorted(names)
    with open(path, "w") as out:
        for start, end in zip(starts, starts[1:] + starts[-1:]):
            size = end - start if end > start else 4096   # the last: to its end, roughly
            out.write(f"{start:x} {min(size, 1 << 20):x} {names[start][:200]}\n")
    return len(starts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", help="tiny, small, medium, large, or e.g. 64,32,10:32")
    parser.add_argument("dtype", choices=["float64", "float32"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--epoch", action="store_true", help="fit epochs instead of steps")
    args = parser.parse_args()
    size = args.size
    if ":" in size:
        layers, m = size.split(":")
        size = ([int(n) for n in layers.split(",")], int(m))
    dtype = bench_step.DTYPES[args.dtype]
    if args.epoch:
        net, _, _ = bench_step.network(size, dtype)
        sizes, m = bench_step.case(size)
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((sizes[0], 2048)), rng.integers(0, max(2, sizes[-1]), 2048)
        X, Y = net.validate(X, y)
        run = lambda: net.fit(X, Y, epochs=1, batch_size=m, optimizer=SGD(0.05),  # noqa: E731
                              reset_optimizer=False)
    else:
        run = bench_step.Step(size, dtype, "loops")
    run()   # compiles
    count = write_perf_map(f"/tmp/perf-{os.getpid()}.map")
    print(f"named {count} compiled functions (none when loaded from the cache: see above); "
          f"looping for {args.seconds:g} s", flush=True)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        run()
        calls += 1
    print(f"{(time.perf_counter() - start) / calls * 1e6:.1f} µs per call")


if __name__ == "__main__":
    main()

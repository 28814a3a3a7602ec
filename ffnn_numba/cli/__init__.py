"""The ``ffnn-numba`` command."""
import argparse
import math
import os
import re
import sys

import numpy as np

from ..network import Network
from .. import files, registry
from ..csvdata import NUMBER


def cmd_demo(args):
    """Train one network on both backends, side by side, and show that they agree."""
    from ..demo import demo
    return demo(args.epochs, args.seed, args.plot)


def cmd_bench(args):
    """Time the loops backend side by side with numpy and the installed peers, after checking
    that every one computes the same first update."""
    from .. import bench
    return bench.command(args.sizes.split(","), args.dtypes.split(","),
                         args.backends.split(",") if args.backends else None,
                         min_time=args.min_time, threads=args.threads, busy=args.busy,
                         epoch=args.epoch, sweep=tuple(args.sweep or ()), cold=args.cold,
                         json_path=args.json, markdown_path=args.markdown, plot_path=args.plot,
                         argv=args.argv or [])


def cmd_explain(args):
    """Show one scalar equation of a small network with its numbers."""
    from ..teach.examples import describe_network, example_problem
    from ..tabular import check_size
    from ..teach.explain import explain as explain_equation
    if args.layers is not None:
        check_size(args.layers)
    net, X, Y = example_problem(args.layers, args.activations, args.cost, args.m,
                                backend=args.backend, seed=args.seed)
    if args.show_network:
        print(net.summary(X.shape[1]), end="\n\n")
        print(describe_network(net, X, Y), end="\n\n")
    explanation = explain_equation(net, X, Y, args.quantity, l=args.l, j=args.j, k=args.k,
                                   i=args.i, fused=False if args.chain else None)
    print(explanation.latex() if args.latex else explanation)
    if args.draw:
        print(f"figure written to {explanation.draw(args.draw)}")
    return 0


def cmd_train(args):
    """Train a network on a CSV file and save it with its preprocessing."""
    from ..tabular import train_csv
    net, history, task = train_csv(
        args.data, args.target, task=args.task, hidden=list(args.layers),
        activation=args.activation, backend=args.backend, seed=args.seed, l2=args.l2,
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
        optimizer=args.optimizer, validation_fraction=args.validation_fraction or None,
        patience=args.patience, verbose=False if args.quiet else "auto")
    epochs = len(history["cost"])
    print(f"trained {epochs} epochs with {args.optimizer}"
          + (" (early stopping)" if epochs < args.epochs else ""))
    for part in ("", "val_"):
        if f"{part}cost" in history:
            name = "validation" if part else "training"
            line = f"{name}: cost {history[part + 'cost'][-1]:.4f}"
            if task == "classification":
                line += f", accuracy {history[part + 'accuracy'][-1]:.4f}"
            print(line)
    net.save(args.output)
    print(f"model saved to {args.output}")
    return 0


def cmd_predict(args):
    """One prediction per row of a CSV file, with the model's own preprocessing."""
    from ..tabular import predict_csv, predictions_csv
    net = Network.load(args.model, backend=args.backend)
    text = predictions_csv(predict_csv(net, args.model, args.data))
    if args.output:
        files.write_text(args.output, text, newline="")
    else:
        sys.stdout.write(text)
    return 0


def cmd_draw(args):
    """Draw a network as the derivation's figures do."""
    from ..teach.explore import draw_command
    path = draw_command(args.output, layers=args.layers, model=args.model,
                        max_nodes=args.max_nodes)
    print(f"figure written to {path}")
    return 0


def cmd_explore(args):
    """Write the explorer page: one HTML file to click through every equation of a network."""
    from ..teach.explore import explore_command
    path = explore_command(args.output, layers=args.layers, activations=args.activations,
                           cost=args.cost, model=args.model, data=args.data, m=args.m,
                           seed=args.seed, backend=args.backend, max_nodes=args.max_nodes)
    print(f"explorer written to {path}: open it in a browser (no server needed)")
    return 0


def cmd_exercise(args):
    """List the graded exercises, print one (task and template), or check a student's file."""
    from ..teach.exercises import command
    return command(args.name, check_path=args.check, template_only=args.template,
                   in_network=args.network, seed=args.seed)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ffnn-numba",
        description="Feedforward neural networks as index-level Numba kernels and NumPy matrix forms.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="train on built-in data with both backends, side by side")
    p.add_argument("--epochs", type=_integer(1), default=300)
    p.add_argument("--seed", type=_integer(0), default=0)
    p.add_argument("--plot", metavar="PATH",
                   help="save the cost curve and the decision boundary as PATH-history.png and "
                        "PATH-boundary.png (needs matplotlib)")
    p.set_defaults(run=cmd_demo)
    p = commands.add_parser(
        "explain", help="show one scalar equation of a small network with its numbers",
        description="Show one scalar equation of forward or backward propagation, term by "
                    "term with its numbers. By default on the derivation's 3-3-3-3 network "
                    "with the fixed, hand-checkable numbers of ffnn_numba.teach.examples."
                    "lecture_network (relu, tanh, softmax, categorical cross-entropy, m = 4); "
                    "with --layers, --activations, --cost or --m on a seeded random network "
                    "and m random examples. Indices are 1-based, as in the derivation.")
    p.add_argument("quantity", choices=["z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev"])
    for letter, meaning in (("l", "layer, 1..L"), ("j", "node of layer l"),
                            ("k", "node of layer l-1"), ("i", "example, 1..m")):
        p.add_argument(f"--{letter}", type=_integer(1), help=meaning)
    p.add_argument("--layers", type=_sizes(2), default=None,
                   help="n^[0],...,n^[L] (default: the lecture network, 3,3,3,3)")
    p.add_argument("--activations", type=_names("activation", registry.ACTIVATIONS),
                   default=None, help="default: relu,tanh,softmax for 4 layer sizes")
    p.add_argument("--cost", default=None, choices=list(registry.COSTS),
                   help="default: categorical_cross_entropy")
    p.add_argument("--m", type=_integer(1, 1_000_000), default=None,
                   help="examples (default 4)")
    p.add_argument("--backend", default="loops", choices=registry.ALL_BACKENDS)
    p.add_argument("--seed", type=_integer(0), default=0,
                   help="random seed of a random network (the lecture network has none)")
    p.add_argument("--chain", action="store_true",
                   help="dZ of a fused output layer the long way: the seed, the sum over p "
                        "with every da_p/dz_j written out, and that it equals (a - y)/m")
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.add_argument("--show-network", action="store_true",
                   help="print the network's table, then X, Y and every W^[l], b^[l]")
    p.add_argument("--draw", metavar="PATH",
                   help="also write the figure with this equation highlighted (SVG, or PNG for "
                        "a .png name)")
    p.set_defaults(run=cmd_explain)
    p = commands.add_parser("train", help="train a network on a CSV file and save it",
                            description="Train on a CSV file: a header row, numeric feature "
                                        "columns and a target column. Features are standardized "
                                        "(the statistics are saved with the model).")
    p.add_argument("data", help="CSV file")
    p.add_argument("--target", required=True, help="the target column")
    p.add_argument("--task", choices=["classification", "regression"],
                   help="inferred when omitted: text labels or <= 20 distinct integers classify")
    p.add_argument("--layers", type=_sizes(0), default=[64, 32],
                   help="hidden layer sizes (default 64,32; '' for none)")
    p.add_argument("--activation", default="relu", choices=list(registry.ACTIVATIONS),
                   help="hidden activation (default relu)")
    p.add_argument("--epochs", type=_integer(1), default=200)
    p.add_argument("--batch-size", type=_integer(1), default=32)
    p.add_argument("--learning-rate", type=_real(0, low_open=True), default=None)
    p.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "nesterov", "adam"])
    p.add_argument("--l2", type=_real(0), default=0.0)
    p.add_argument("--validation-fraction", type=_real(0, 1, high_open=True), default=0.2,
                   help="held out for validation, 0 <= f < 1 (default 0.2; 0 for none)")
    p.add_argument("--patience", type=_integer(1), default=10,
                   help="early stopping (default 10 epochs)")
    p.add_argument("--seed", type=_integer(0), default=0)
    p.add_argument("--backend", default="loops", choices=registry.BACKENDS)
    p.add_argument("--output", default="model.npz", help="where to save (default model.npz)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(run=cmd_train)
    p = commands.add_parser("predict", help="predict every row of a CSV file with a saved model")
    p.add_argument("model", help="a model saved by ffnn-numba train")
    p.add_argument("data", help="CSV file with the model's feature columns")
    p.add_argument("--output", help="write the predictions here instead of standard output")
    p.add_argument("--backend", default="loops", choices=registry.BACKENDS)
    p.set_defaults(run=cmd_predict)
    p = commands.add_parser("bench", help="time the loops backend against numpy, PyTorch, JAX "
                                              "and scikit-learn, side by side")
    p.add_argument("--sizes", type=_bench_list("sizes"), default="tiny,small,medium,large",
                   help="comma-separated, from tiny, small, medium, large")
    p.add_argument("--dtypes", type=_bench_list("dtypes"), default="float64,float32",
                   help="comma-separated, from float64, float32")
    p.add_argument("--backends", type=_bench_list("backends"), default=None,
                   help="comma-separated, from loops, numpy, torch, jax, sklearn (sklearn: "
                        "epochs only), numpy included (default: all installed; the others are "
                        "skipped with the reason)")
    p.add_argument("--min-time", type=_real(0, 3600, low_open=True), default=1.0,
                   help="seconds of repeats per case at least (default 1)")
    p.add_argument("--threads", type=_threads, default=None,
                   help="threads for every backend, 1..NUMBA_NUM_THREADS")
    p.add_argument("--busy", type=_busy_levels, default=None, metavar="N,N,...",
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
    p.add_argument("--cold", action="store_true",
                   help="also time the first fit and gradients of a fresh process with an empty "
                        "kernel cache, then with a warm one")
    # Start-up is now measured only with --cold; the old switch is accepted and does nothing.
    p.add_argument("--no-startup", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_bench)
    p = commands.add_parser("draw", help="draw a network as the derivation's figures do",
                            description="Draw a network as the derivation's figures do: layers "
                                        "as columns of nodes a_j^[l], weights as edges, large "
                                        "layers elided. SVG, or PNG for a .png name (needs "
                                        "matplotlib).")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--layers", type=_sizes(2), help="n^[0],...,n^[L] (default 3,3,3,3)")
    source.add_argument("--model", help="a model saved by ffnn-numba train")
    p.add_argument("--output", default="network.svg",
                   help="where to write (default network.svg)")
    p.add_argument("--max-nodes", type=_integer(3), default=7,
                   help="node rows a layer shows before it is elided (default 7)")
    p.set_defaults(run=cmd_draw)
    p = commands.add_parser(
        "explore", help="write one HTML page to click through every equation of a network",
        description="Write one self-contained HTML file (no server, nothing downloaded) with "
                    "the network's figure: click a node for z, a, dJ/da and dJ/dz with their "
                    "terms and numbers, an edge for w and dJ/dw; choose the example; hover an "
                    "equation to see the nodes and edges its sum runs over. By default the "
                    "derivation's 3-3-3-3 network with its lecture numbers.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--layers", type=_sizes(2),
                        help="n^[0],...,n^[L] (random parameters and examples, drawn with --seed)")
    source.add_argument("--model", help="a model saved by ffnn-numba train")
    p.add_argument("--activations", type=_names("activation", registry.ACTIVATIONS),
                   help="one per layer 1..L (with --layers; default as Network chooses)")
    p.add_argument("--cost", choices=list(registry.COSTS),
                   help="with --layers (default categorical_cross_entropy, binary with one "
                        "output)")
    p.add_argument("--data", help="with --model: a CSV file whose first m rows are the "
                                  "examples, read with the model's preprocessing")
    p.add_argument("--m", type=_integer(1, 64), default=4,
                   help="examples (default 4, at most 64)")
    p.add_argument("--seed", type=_integer(0), default=0)
    p.add_argument("--backend", default="loops", choices=registry.ALL_BACKENDS)
    p.add_argument("--max-nodes", type=_integer(3), default=7,
                   help="node rows a layer shows before it is elided (default 7)")
    p.add_argument("--output", default="explore.html",
                   help="where to write (default explore.html)")
    p.set_defaults(run=cmd_explore)
    p = commands.add_parser(
        "exercise", help="a graded exercise: print its task and template, or check your code",
        description="Graded exercises: write one equation of the derivation as a Python/NumPy "
                    "function with the kernel's signature, then check it index by index. "
                    "Without NAME, list the exercises.")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="an exercise: z, dW, db, dA_prev, a_relu, dZ_softmax, "
                        "seed_categorical_cross_entropy, ... (omit to list them)")
    p.add_argument("--template", action="store_true",
                   help="print only the template, a Python file to start from")
    p.add_argument("--check", metavar="FILE.py",
                   help="import FILE.py and check its function for NAME (without NAME: every "
                        "function named like a kernel); exit status 1 while one fails")
    p.add_argument("--network", action="store_true",
                   help="with --check, then plug the functions into networks on the reference "
                        "backend: gradcheck, the library's gradients, a short training")
    p.add_argument("--seed", type=_integer(0), default=0, help="seed of the random cases")
    p.set_defaults(run=cmd_exercise)
    args = parser.parse_args(argv)
    try:
        return _run(args, argv)
    except BrokenPipeError:   # the reader (| head) closed the pipe: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        message = " ".join(str(exc).split("\n")) or type(exc).__name__
        parser.exit(2, f"ffnn-numba {args.command}: error: {message}\n")


# Argument types: each returns the parsed value or raises argparse.ArgumentTypeError, which
# argparse prints as "ffnn-numba CMD: error: argument --NAME: MESSAGE" with exit status 2.

def _integer(low, high=None):
    """An integer in low..high (high None: no upper bound)."""
    def parse(text):
        value = int(text) if re.fullmatch(r"[ \t]*[+-]?[0-9]+[ \t]*", text) else None
        if value is None or value < low or high is not None and value > high:
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bounds}; got {text!r}")
        return value
    return parse


def _real(low, high=None, low_open=False, high_open=False):
    """A finite real number in the interval from low to high, ends open or closed as given."""
    def parse(text):
        value = float(text) if NUMBER.fullmatch(text) else math.nan
        if not (math.isfinite(value) and (value > low if low_open else value >= low)
                and (high is None or (value < high if high_open else value <= high))):
            upper = "∞)" if high is None else f"{high:g}" + (")" if high_open else "]")
            interval = ("(" if low_open else "[") + f"{low:g}, " + upper
            raise argparse.ArgumentTypeError(f"expected a finite number in {interval}; "
                                             f"got {text!r}")
        return value
    return parse


MAX_LAYER_SIZE = 1_000_000   # nodes per layer on the command line


def _sizes(at_least):
    """Comma-separated layer sizes, each a positive integer; at least ``at_least`` of them."""
    def parse(text):
        parts = [part.strip() for part in text.split(",")]
        if parts == [""]:
            parts = []
        sizes = [int(part) for part in parts
                 if re.fullmatch("[0-9]+", part) and 1 <= int(part) <= MAX_LAYER_SIZE]
        if len(sizes) != len(parts) or len(sizes) < at_least:
            need = f"at least {at_least} " if at_least else ""
            raise argparse.ArgumentTypeError(f"expected {need}comma-separated layer sizes, each "
                                             f"an integer from 1 to {MAX_LAYER_SIZE}; got {text!r}")
        return sizes
    return parse


def _names(what, valid):
    """Comma-separated names, each one of ``valid``."""
    def parse(text):
        names = [name.strip() for name in text.split(",")]
        unknown = [name for name in names if name not in valid]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {what} {unknown[0]!r}; valid: "
                                             f"{', '.join(valid)}")
        return names
    return parse


def _bench_list(option):
    """A comma-separated list of ``bench`` cases, returned as the text the bench reads."""
    def parse(text):
        from .. import bench as b
        valid = {"sizes": tuple(b.SIZES), "dtypes": tuple(b.DTYPES),
                 "backends": b.BACKENDS}[option]
        names = [name.strip() for name in text.split(",")]
        if any(name not in valid for name in names) or len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"expected distinct comma-separated names from "
                                             f"{', '.join(valid)}; got {text!r}")
        if option == "backends" and "numpy" not in names:
            raise argparse.ArgumentTypeError(f"must include numpy, the reference every backend is "
                                             f"checked against; got {text!r}")
        missing = [b.unavailable(name) for name in names if b.unavailable(name)]
        if option == "backends" and missing:
            raise argparse.ArgumentTypeError(missing[0])
        return ",".join(names)
    return parse


def _busy_levels(text):
    try:
        levels = [int(n) for n in text.split(",")]
    except ValueError:
        levels = []
    if not levels or any(not 0 <= n <= 64 for n in levels):
        raise argparse.ArgumentTypeError(f"expected comma-separated counts from 0 to 64; got {text!r}")
    return levels


def _threads(text):
    import numba
    return _integer(1, numba.config.NUMBA_NUM_THREADS)(text)


def _run(args, argv):
    args.argv = list(sys.argv[1:] if argv is None else argv)[1:]
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

"""``ffnn-numba explore``: the explorer page (``ffnn_numba.teach.explore``)."""
from .. import registry
from .arguments import integer, names, sizes


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser(
        "explore", help="write one HTML page to click through every equation of a network",
        description="Write one self-contained HTML file (no server, nothing downloaded) with "
                    "the network's figure: click a node for z, a, dJ/da and dJ/dz with their "
                    "terms and numbers, an edge for w and dJ/dw; choose the example; hover an "
                    "equation to see the nodes and edges its sum runs over. By default the "
                    "derivation's 3-3-3-3 network with its lecture numbers.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--layers", type=sizes(2),
                        help="n^[0],...,n^[L] (random parameters and examples, drawn with --seed)")
    source.add_argument("--model", help="a model saved by ffnn-numba train")
    p.add_argument("--activations", type=names("activation", registry.ACTIVATIONS),
                   help="one per layer 1..L (with --layers; default as Network chooses)")
    p.add_argument("--cost", choices=list(registry.COSTS),
                   help="with --layers (default categorical_cross_entropy, binary with one "
                        "output)")
    p.add_argument("--data", help="with --model: a CSV file whose first m rows are the "
                                  "examples, read with the model's preprocessing")
    p.add_argument("--m", type=integer(1, 64), default=4,
                   help="examples (default 4, at most 64)")
    p.add_argument("--seed", type=integer(0), default=0)
    p.add_argument("--backend", default="loops", choices=registry.ALL_BACKENDS)
    p.add_argument("--max-nodes", type=integer(3), default=7,
                   help="node rows a layer shows before it is elided (default 7)")
    p.add_argument("--output", default="explore.html",
                   help="where to write (default explore.html)")
    p.add_argument("--unfused", action="store_true",
                   help="run a fused output/cost pair the long way, as the derivation writes "
                        "it: the seed and the output activation's backward step")
    p.set_defaults(run=run)


def run(args):
    """Write the explorer page: one HTML file to click through every equation of a network."""
    from ..teach.explore import explore_command
    path = explore_command(args.output, layers=args.layers, activations=args.activations,
                           cost=args.cost, model=args.model, data=args.data, m=args.m,
                           seed=args.seed, backend=args.backend, max_nodes=args.max_nodes,
                           fused=False if args.unfused else None)
    print(f"explorer written to {path}: open it in a browser (no server needed)")
    return 0

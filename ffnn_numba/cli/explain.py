"""``ffnn-numba explain``: one scalar equation with its numbers (``ffnn_numba.teach``)."""
from .. import registry
from .arguments import integer, names, sizes


def add(commands):
    """Add the command's parser to ``commands``."""
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
        p.add_argument(f"--{letter}", type=integer(1), help=meaning)
    p.add_argument("--layers", type=sizes(2), default=None,
                   help="n^[0],...,n^[L] (default: the lecture network, 3,3,3,3)")
    p.add_argument("--activations", type=names("activation", registry.ACTIVATIONS),
                   default=None, help="default: relu,tanh,softmax for 4 layer sizes")
    p.add_argument("--cost", default=None, choices=list(registry.COSTS),
                   help="default: categorical_cross_entropy")
    p.add_argument("--m", type=integer(1, 1_000_000), default=None,
                   help="examples (default 4)")
    p.add_argument("--backend", default="loops", choices=registry.ALL_BACKENDS)
    p.add_argument("--seed", type=integer(0), default=0,
                   help="random seed of a random network (the lecture network has none)")
    p.add_argument("--chain", action="store_true",
                   help="dZ of a fused output layer the long way: the seed, the sum over p "
                        "with every da_p/dz_j written out, and that it equals (a - y)/m")
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.add_argument("--verbose", action="store_true",
                   help="also name the backend's kernel that computed the value, and whether "
                        "the equation's numbers give it")
    p.add_argument("--show-network", action="store_true",
                   help="print the network's table, then X, Y and every W^[l], b^[l]")
    p.add_argument("--draw", metavar="PATH",
                   help="also write the figure with this equation highlighted (SVG, or PNG for "
                        "a .png name)")
    p.set_defaults(run=run)


def run(args):
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
                                   i=args.i, fused=False if args.chain else None,
                                   verbose=args.verbose)
    print(explanation.latex() if args.latex else explanation)
    if args.draw:
        print(f"figure written to {explanation.draw(args.draw)}")
    return 0

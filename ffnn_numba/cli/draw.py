"""``ffnn-numba draw``: a network's figure (``ffnn_numba.teach.figure``)."""
from .arguments import integer, sizes


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("draw", help="draw a network as the derivation's figures do",
                            description="Draw a network as the derivation's figures do: layers "
                                        "as columns of nodes a_j^[l], weights as edges, large "
                                        "layers elided. SVG, or PNG for a .png name (needs "
                                        "matplotlib).")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--layers", type=sizes(2), help="n^[0],...,n^[L] (default 3,3,3,3)")
    source.add_argument("--model", help="a model saved by ffnn-numba train")
    p.add_argument("--output", default="network.svg",
                   help="where to write (default network.svg)")
    p.add_argument("--max-nodes", type=integer(3), default=7,
                   help="node rows a layer shows before it is elided (default 7)")
    p.set_defaults(run=run)


def run(args):
    """Draw a network as the derivation's figures do."""
    from ..teach.explore import draw_command
    path = draw_command(args.output, layers=args.layers, model=args.model,
                        max_nodes=args.max_nodes)
    print(f"figure written to {path}")
    return 0

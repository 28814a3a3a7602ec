"""``ffnn-numba demo``: one network trained on both backends, side by side."""
from .arguments import integer


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("demo", help="train on built-in data with both backends, side by side")
    p.add_argument("--epochs", type=integer(1), default=300)
    p.add_argument("--seed", type=integer(0), default=0)
    p.add_argument("--plot", metavar="PATH",
                   help="save the cost curve and the decision boundary as PATH-history.png and "
                        "PATH-boundary.png (needs matplotlib)")
    p.set_defaults(run=run)


def run(args):
    """Train one network on both backends, side by side, and show that they agree."""
    from ..demo import demo
    return demo(args.epochs, args.seed, args.plot)

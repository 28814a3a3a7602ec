"""``ffnn-numba predict``: a saved model's predictions for a CSV file."""
import sys

from .. import files, registry
from ..network import Network


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("predict", help="predict every row of a CSV file with a saved model")
    p.add_argument("model", help="a model saved by ffnn-numba train")
    p.add_argument("data", help="CSV file with the model's feature columns")
    p.add_argument("--output", help="write the predictions here instead of standard output")
    p.add_argument("--backend", default="loops", choices=registry.BACKENDS)
    p.set_defaults(run=run)


def run(args):
    """One prediction per row of a CSV file, with the model's own preprocessing."""
    from ..tabular import predict_csv, predictions_csv
    net = Network.load(args.model, backend=args.backend)
    text = predictions_csv(predict_csv(net, args.model, args.data))
    if args.output:
        files.write_text(args.output, text, newline="")
    else:
        sys.stdout.write(text)
    return 0

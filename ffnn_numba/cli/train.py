"""``ffnn-numba train``: a network trained on a CSV file (``ffnn_numba.tabular``)."""
from .. import registry
from .arguments import integer, real, sizes


def add(commands):
    """Add the command's parser to ``commands``."""
    p = commands.add_parser("train", help="train a network on a CSV file and save it",
                            description="Train on a CSV file: a header row, numeric feature "
                                        "columns and a target column. Features are standardized "
                                        "(the statistics are saved with the model).")
    p.add_argument("data", help="CSV file")
    p.add_argument("--target", required=True, help="the target column")
    p.add_argument("--task", choices=["classification", "regression"],
                   help="inferred when omitted: text labels or <= 20 distinct integers classify")
    p.add_argument("--layers", type=sizes(0), default=[64, 32],
                   help="hidden layer sizes (default 64,32; '' for none)")
    p.add_argument("--activation", default="relu", choices=list(registry.ACTIVATIONS),
                   help="hidden activation (default relu)")
    p.add_argument("--epochs", type=integer(1), default=200)
    p.add_argument("--batch-size", type=integer(1), default=32)
    p.add_argument("--learning-rate", type=real(0, low_open=True), default=None)
    p.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "nesterov", "adam"])
    p.add_argument("--l2", type=real(0), default=0.0)
    p.add_argument("--validation-fraction", type=real(0, 1, high_open=True), default=0.2,
                   help="held out for validation, 0 <= f < 1 (default 0.2; 0 for none)")
    p.add_argument("--patience", type=integer(1), default=10,
                   help="early stopping (default 10 epochs)")
    p.add_argument("--seed", type=integer(0), default=0)
    p.add_argument("--backend", default="loops", choices=registry.BACKENDS)
    p.add_argument("--output", default="model.npz", help="where to save (default model.npz)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(run=run)


def run(args):
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

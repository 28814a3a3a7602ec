"""The ``ffnn-numba`` command."""
import argparse
import sys
import time

import numpy as np

from .datasets import make_spirals, train_test_split
from .network import Network


def demo(args):
    """Train one network on both backends, side by side, and show that they agree."""
    X, y = make_spirals(n_per_class=300, n_classes=3, noise=0.2, seed=args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=args.seed)
    sizes = [2, 64, 64, 3]
    print(f"ffnn-numba demo: three interleaved spirals, {X_train.shape[1]} training and "
          f"{X_test.shape[1]} test examples")
    print(f"network {sizes}, relu-relu-softmax, categorical cross-entropy, float64, "
          f"{args.epochs} epochs of mini-batch gradient descent (batch 32, learning rate 0.2)\n")

    nets, histories, seconds = {}, {}, {}
    for backend in ("loops", "numpy"):
        net = Network(sizes, ["relu", "relu", "softmax"], "categorical_cross_entropy",
                      backend=backend, seed=args.seed)
        start = time.perf_counter()
        # The first call compiles the kernels, or loads them from the on-disk cache.
        Network(sizes, ["relu", "relu", "softmax"], "categorical_cross_entropy",
                backend=backend).fit(X_train[:, :8], y_train[:8], epochs=1, batch_size=4)
        warm_up = time.perf_counter() - start
        start = time.perf_counter()
        histories[backend] = net.fit(X_train, y_train, epochs=args.epochs, batch_size=32,
                                     learning_rate=0.2, seed=args.seed)["cost"]
        seconds[backend] = (warm_up, time.perf_counter() - start)
        nets[backend] = net

    print(f"{'epoch':>6} {'J (loops)':>14} {'J (numpy)':>14}")
    every = max(1, args.epochs // 10)
    for epoch in range(0, args.epochs, every):
        print(f"{epoch + 1:>6} {histories['loops'][epoch]:>14.6f} {histories['numpy'][epoch]:>14.6f}")
    print(f"{args.epochs:>6} {histories['loops'][-1]:>14.6f} {histories['numpy'][-1]:>14.6f}\n")

    for backend, net in nets.items():
        train_acc = np.mean(net.predict(X_train) == y_train)
        test_acc = np.mean(net.predict(X_test) == y_test)
        warm_up, fit = seconds[backend]
        print(f"{backend:>5}: train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}; "
              f"fit {fit:.2f} s (+ {warm_up:.2f} s compiling or loading the kernels)")

    diff = max(np.max(np.abs(nets["loops"].params[k] - nets["numpy"].params[k]))
               for k in nets["loops"].params)
    scale = max(np.max(np.abs(v)) for v in nets["numpy"].params.values())
    cost_diff = max(abs(a - b) for a, b in zip(histories["loops"], histories["numpy"]))
    agree = diff <= 1e-8 * scale
    print(f"\nbackends agree: {'yes' if agree else 'NO'} (largest parameter difference "
          f"{diff:.2e} of max |θ| = {scale:.2f}; largest cost difference {cost_diff:.2e})")
    print(f"loops / numpy speed on this fit: {seconds['numpy'][1] / seconds['loops'][1]:.1f}x")
    return 0 if agree else 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ffnn-numba",
        description="Feedforward neural networks as index-level Numba kernels and NumPy matrix forms.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="train on built-in data with both backends, side by side")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

"""ffnn-numba's MLPClassifier beside scikit-learn's, same settings, on the bundled digits.

    python bench/compare_sklearn.py [--epochs 100] [--repeats 3]

Both train every epoch (n_iter_no_change = epochs, so neither stops early), from the same
hyper-parameters; each fit is timed from a warm start (ffnn-numba's kernels compiled, or
loaded from the cache, beforehand) and the median of the repeats is printed.
"""
import argparse
import statistics
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP

from ffnn_numba.sklearn import MLPClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    settings = dict(hidden_layer_sizes=(64,), activation="relu", solver="adam", alpha=1e-4,
                    batch_size=200, learning_rate_init=0.001, max_iter=args.epochs,
                    n_iter_no_change=args.epochs, random_state=0)
    models = {"ffnn-numba (loops)": lambda: MLPClassifier(**settings, backend="loops"),
              "ffnn-numba (numpy)": lambda: MLPClassifier(**settings, backend="numpy"),
              "scikit-learn": lambda: SklearnMLP(**settings)}
    print(f"digits: {len(y_train)} training, {len(y_test)} test examples; hidden (64,), relu, "
          f"adam, lr 0.001, batch 200, alpha 1e-4, {args.epochs} epochs\n")
    print(f"{'model':<20} {'fit (median)':>13} {'per epoch':>10} {'test accuracy':>14}")
    times = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models["ffnn-numba (loops)"]().set_params(max_iter=1).fit(X_train, y_train)  # compile
        for name, make in models.items():
            seconds = []
            for _ in range(args.repeats):
                model = make()
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds.append(time.perf_counter() - start)
            times[name] = statistics.median(seconds)
            print(f"{name:<20} {times[name]:>11.3f} s {1e3 * times[name] / args.epochs:>7.2f} ms "
                  f"{model.score(X_test, y_test):>14.4f}")
    ratio = times["scikit-learn"] / times["ffnn-numba (loops)"]
    print(f"\nffnn-numba (loops) fits {ratio:.1f}x as fast as scikit-learn here.")


if __name__ == "__main__":
    main()

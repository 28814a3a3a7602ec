"""The demo of ``ffnn-numba demo``: one network trained on three interleaved spirals by both
backends side by side, the cost epoch by epoch, accuracy, time, and their agreement.

Agreement is judged where it is a property of the code: on the first step, from the same
parameters, the gradients must agree within the rounding bound of
``checks.agreement_tolerance``; after training, what users see (accuracy, final cost) must
agree. The parameters' drift after hundreds of steps depends on the CPU and its BLAS and is
printed as information only.
"""
import time

import numpy as np

from .teach.checks import backend_agreement
from .datasets import make_spirals, train_test_split
from .network import Network
from .registry import BACKENDS


def demo(epochs=300, seed=0, plot=None):
    """Train one network on both backends, side by side, print how they fared and whether
    they agree; returns the exit status (1 only for a real disagreement)."""
    X, y = make_spirals(n_per_class=300, n_classes=3, noise=0.2, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=seed)
    sizes = [2, 64, 64, 3]
    print(f"ffnn-numba demo: three interleaved spirals, {X_train.shape[1]} training and "
          f"{X_test.shape[1]} test examples")
    print(f"network {sizes}, relu-relu-softmax, categorical cross-entropy, float64, "
          f"{epochs} epochs of mini-batch gradient descent (batch 32, learning rate 0.2)\n")

    print("Compiling the loops backend's kernels for float64, or loading them from the on-disk "
          "cache: 10-15 s the first time on a machine (`ffnn-numba compile` does it ahead of "
          "time), under a second after that ...",
          flush=True)
    start = time.perf_counter()
    # Warm up on a throwaway network, so that the fit timed below runs compiled code only.
    Network(sizes, ["relu", "relu", "softmax"], "categorical_cross_entropy").fit(
        X_train[:, :8], y_train[:8], epochs=1, batch_size=4, verbose=False)
    print(f"kernels ready in {time.perf_counter() - start:.1f} s\n")

    nets, histories, seconds = {}, {}, {}
    for backend in BACKENDS:
        nets[backend] = Network(sizes, ["relu", "relu", "softmax"], "categorical_cross_entropy",
                                backend=backend, seed=seed)
    # Agreement is a property of the code on the first step, where both backends start from
    # the same parameters; after hundreds of steps rounding differences (which depend on
    # the CPU and its BLAS) have grown, and only what users see is compared.
    first, tolerance = backend_agreement(nets["numpy"], X_train[:, :32], y_train[:32])
    for backend, net in nets.items():
        start = time.perf_counter()
        histories[backend] = net.fit(X_train, y_train, epochs=epochs, batch_size=32,
                                     learning_rate=0.2, seed=seed, verbose=False)
        seconds[backend] = time.perf_counter() - start

    print(f"{'epoch':>6} {'J (loops)':>14} {'J (numpy)':>14}")
    every = max(1, epochs // 10)
    for epoch in range(0, epochs, every):
        print(f"{epoch + 1:>6} {histories['loops']['cost'][epoch]:>14.6f} "
              f"{histories['numpy']['cost'][epoch]:>14.6f}")
    print(f"{epochs:>6} {histories['loops']['cost'][-1]:>14.6f} "
          f"{histories['numpy']['cost'][-1]:>14.6f}\n")

    accuracy = {}
    for backend, net in nets.items():
        accuracy[backend] = (np.mean(net.predict(X_train) == y_train),
                             np.mean(net.predict(X_test) == y_test))
        print(f"{backend:>5}: train accuracy {accuracy[backend][0]:.3f}, test accuracy "
              f"{accuracy[backend][1]:.3f}; fit {seconds[backend]:.2f} s")

    costs = [histories[b]["cost"][-1] for b in nets]
    same_outcome = (max(abs(a - b) for a, b in zip(*accuracy.values())) <= 0.01
                    and abs(costs[0] - costs[1]) <= 1e-3 * max(costs))
    agree = first <= tolerance and same_outcome
    drift = max(np.max(np.abs(nets["loops"].params[k] - nets["numpy"].params[k]))
                for k in nets["loops"].params)
    scale = max(np.max(np.abs(v)) for v in nets["numpy"].params.values())
    print(f"\nbackends agree: {'yes' if agree else 'NO'}")
    print(f"  first step: gradients differ by {first:.1e} (relative; rounding allows "
          f"{tolerance:.1e}) {'ok' if first <= tolerance else 'DISAGREE'}")
    print(f"  trained: accuracies equal to 0.01 and final costs to 0.1%: "
          f"{'ok' if same_outcome else 'DISAGREE'}")
    print(f"  information: after {epochs} epochs the parameters differ by {drift:.1e} "
          f"(of max |θ| = {scale:.2f}); rounding differences grow with training and depend on "
          f"the CPU and its BLAS")
    print(f"loops / numpy speed on this fit: {seconds['numpy'] / seconds['loops']:.1f}x")
    if plot:
        from .plot import plot_decision_boundary, plot_history
        stem = plot[:-4] if plot.endswith(".png") else plot
        plot_history(histories["loops"], f"{stem}-history.png")
        plot_decision_boundary(nets["loops"], X, y, f"{stem}-boundary.png")
        print(f"pictures saved to {stem}-history.png and {stem}-boundary.png")
    return 0 if agree else 1

"""Pictures (optional extra ``[plot]``, matplotlib): loss curves and decision boundaries.

Every function draws on a new figure (or on ``ax`` when given), saves it to ``path`` when
given, and returns the figure. Drawing happens off-screen (the Agg backend) unless the
caller chose another backend before.
"""
import numpy as np


def _pyplot():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_history(history, path=None, ax=None):
    """Training (and validation) cost per epoch, with accuracy on a second axis if recorded."""
    plt = _pyplot()
    fig, ax = (plt.subplots(figsize=(6, 4)) if ax is None else (ax.figure, ax))
    epochs = np.arange(1, len(history["cost"]) + 1)
    ax.plot(epochs, history["cost"], label="training cost J")
    if history.get("val_cost"):
        ax.plot(epochs, history["val_cost"], label="validation cost")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_yscale("log")
    lines, labels = ax.get_legend_handles_labels()
    if history.get("accuracy") and history["accuracy"][0] is not None:
        acc = ax.twinx()
        acc.plot(epochs, history["accuracy"], color="tab:green", linestyle="--",
                 label="training accuracy")
        if history.get("val_accuracy"):
            acc.plot(epochs, history["val_accuracy"], color="tab:red", linestyle="--",
                     label="validation accuracy")
        acc.set_ylabel("accuracy")
        acc.set_ylim(0, 1.02)
        more_lines, more_labels = acc.get_legend_handles_labels()
        lines, labels = lines + more_lines, labels + more_labels
    ax.legend(lines, labels, loc="best")
    ax.set_title("Training history")
    return _finish(fig, path)


def plot_decision_boundary(net, X, y, path=None, ax=None, resolution=300):
    """The classes a 2-input classifier predicts over the plane, with the data (X: (2, m))."""
    if net.layer_sizes[0] != 2:
        raise ValueError(f"a decision boundary needs a network with 2 inputs; this one has "
                         f"n^[0] = {net.layer_sizes[0]}")
    plt = _pyplot()
    fig, ax = (plt.subplots(figsize=(5, 5)) if ax is None else (ax.figure, ax))
    X = np.asarray(X, dtype=float)
    pad = 0.1 * (X.max(axis=1) - X.min(axis=1))
    u = np.linspace(X[0].min() - pad[0], X[0].max() + pad[0], resolution)
    v = np.linspace(X[1].min() - pad[1], X[1].max() + pad[1], resolution)
    U, V = np.meshgrid(u, v)
    labels = net.predict(np.stack([U.ravel(), V.ravel()])).reshape(U.shape)
    ax.contourf(U, V, labels, alpha=0.3, cmap="viridis")
    ax.scatter(X[0], X[1], c=np.asarray(y), s=8, cmap="viridis", edgecolors="k", linewidths=0.2)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Decision boundary")
    return _finish(fig, path)


def plot_bench(results, path=None, ax=None):
    """Step time against the step's work (floating-point operations), log-log, one line per
    backend and dtype, from the results of ``ffnn-numba bench``."""
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 4.5))
    colours = {"loops": "tab:blue", "numpy": "tab:orange", "torch": "tab:green"}
    for dtype in dict.fromkeys(c["dtype"] for c in results["cases"]):
        for backend in dict.fromkeys(c["backend"] for c in results["cases"]):
            cases = sorted((c for c in results["cases"]
                            if (c["dtype"], c["backend"]) == (dtype, backend)),
                           key=lambda c: c["gflops"] * c["seconds"])
            work = [c["gflops"] * c["seconds"] * 1e9 for c in cases]
            ax.plot(work, [c["seconds"] * 1e6 for c in cases], marker="o",
                    color=colours.get(backend), linestyle="-" if dtype == "float64" else "--",
                    label=f"{backend} {dtype}")
            for c, x in zip(cases, work):
                if backend == "loops" and dtype == "float64":
                    ax.annotate(c["size"], (x, c["seconds"] * 1e6), fontsize=8,
                                textcoords="offset points", xytext=(4, -10))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("work of one step (floating-point operations)")
    ax.set_ylabel("training step (µs)")
    ax.set_title("One training step, side by side")
    ax.legend()
    return _finish(fig, path)

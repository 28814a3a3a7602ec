"""Pictures (optional extra ``[plot]``, matplotlib): loss curves and decision boundaries.

Every function draws on a new figure (or on ``ax`` when given), saves it to ``path`` when
given, and returns the figure. Drawing happens off-screen (the Agg backend) unless the
caller chose another backend before.
"""
import os

import numpy as np

from . import files


def _pyplot():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:   # the format from the name, as savefig(path) takes it
        kind = os.path.splitext(os.fspath(path))[1][1:].lower() or None
        with files.replacing(path, "wb") as f:
            fig.savefig(f, dpi=120, format=kind)
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


COLOURS = {"loops": "tab:blue", "numpy": "tab:orange", "torch": "tab:green", "jax": "tab:red",
           "sklearn": "tab:purple"}


def plot_bench(results, path=None, ax=None):
    """Step time against the step's work (floating-point operations), log-log, one line per
    backend and dtype, from the results of ``ffnn-numba bench``."""
    plt = _pyplot()
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 4.5))
    colours = COLOURS
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


def plot_sweep(sweep, path=None, axes=None):
    """A sweep of ``ffnn-numba bench --sweep``: time per example (left) and GFLOP/s (right)
    against the work of one step, log-log, one line per backend and dtype, the crossovers
    (where the loops backend stops or starts beating a peer) marked by vertical lines."""
    plt = _pyplot()
    fig, axes = (plt.subplots(1, 2, figsize=(12, 4.5)) if axes is None else (axes[0].figure, axes))
    rows = sweep["rows"]
    for dtype in dict.fromkeys(r["dtype"] for r in rows):
        for backend in dict.fromkeys(r["backend"] for r in rows):
            line = sorted((r for r in rows if (r["dtype"], r["backend"]) == (dtype, backend)),
                          key=lambda r: r["flops"])
            work = [r["flops"] for r in line]
            style = dict(marker="o", markersize=3, color=COLOURS.get(backend),
                         linestyle="-" if dtype == "float64" else "--", label=f"{backend} {dtype}")
            axes[0].plot(work, [r["per_example"] * 1e6 for r in line], **style)
            axes[1].plot(work, [r["gflops"] for r in line], **style)
            if backend == "loops" and dtype == line[0]["dtype"] == rows[0]["dtype"]:
                for r in line:
                    axes[0].annotate(f"{r['x']}", (r["flops"], r["per_example"] * 1e6),
                                     fontsize=7, textcoords="offset points", xytext=(3, 4))
    for c in sweep["crossovers"]:
        for ax in axes:
            ax.axvline(c["flops"], color=COLOURS.get(c["peer"]), linewidth=0.8,
                       linestyle="-" if c["dtype"] == "float64" else "--", alpha=0.6)
        axes[1].annotate(f"loops = {c['peer']} ({c['dtype']}) at {c['x']:.3g}", (c["flops"], 0),
                         xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                         xytext=(2, 4), textcoords="offset points", va="bottom")
    for ax, label in zip(axes, ("time per example (µs)", "GFLOP/s")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("work of one step (floating-point operations)")
        ax.set_ylabel(label)
    axes[0].set_title(f"{sweep['x']} ({sweep['network']}): time per example; points labelled "
                      f"by {sweep['x'].split()[-1]}", fontsize=9)
    axes[1].set_title("throughput; vertical lines: crossovers", fontsize=9)
    axes[1].legend(fontsize=7)
    return _finish(fig, path)


def plot_results(results, path):
    """Every picture of a benchmark run: the step (``plot_bench``) at ``path``, and each sweep
    beside it as <stem>-sweep-<kind><suffix>. Returns the paths written."""
    from pathlib import Path
    path = Path(path)
    written = []
    if results.get("cases"):
        plot_bench(results, path)
        written.append(path)
    for kind, sweep in results.get("sweeps", {}).items():
        target = path.with_name(f"{path.stem}-sweep-{kind}{path.suffix}")
        plot_sweep(sweep, target)
        written.append(target)
    _pyplot().close("all")
    return written

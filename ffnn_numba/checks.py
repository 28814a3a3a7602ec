"""Checks a student (and the test suite) can run: backpropagation against central finite
differences, and the activation Jacobian ∂a/∂z of one example."""
import numpy as np

from . import kernels, registry, validation
from .network import Network


def activation_jacobian(name, z):
    """The n x n matrix ∂a/∂z of one example, in the derivation's layout: row j, column p
    holds ∂a_p/∂z_j (eq:dz multiplies it with dJ/da directly).

    Parameters
    ----------
    name : str
        An activation name.
    z : array_like of shape (n,)
        One example's column z_{:,i}.
    """
    code = registry.ACTIVATIONS[validation.check_activations(name, 1, "mean_squared_error")[0]].code
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"z must be one example's column, a non-empty 1-D array; got shape {z.shape}")
    if not np.isfinite(z).all():
        raise ValueError("z contains NaN or infinite values")
    z = np.ascontiguousarray(z)
    a = np.empty((z.size, 1))
    kernels.activation_forward(a, z[:, None].copy(), code)
    D = np.empty((z.size, z.size))
    kernels.activation_jacobian(D, z, np.ascontiguousarray(a[:, 0]), code)
    return D


# Central differences carry noise of about ε J / h ≈ 1e-10 in float64; relative to gradients
# below FLOOR that noise is measured against FLOOR instead, so that zero gradients pass.
FLOOR = 1e-4


class GradcheckReport:
    """Central finite differences against backpropagation, per parameter and for dA0."""

    def __init__(self, rows, tolerance):
        self.rows, self.tolerance = rows, tolerance

    @property
    def passed(self):
        return all(row["max"] <= self.tolerance for row in self.rows)

    def __getitem__(self, name):
        return next(row for row in self.rows if row["name"] == name)

    def __str__(self):
        lines = [f"{'':<6}{'shape':<12}{'max rel. error':>16}{'mean rel. error':>17}   result",
                 "-" * 58]
        for row in self.rows:
            ok = "pass" if row["max"] <= self.tolerance else "FAIL"
            lines.append(f"{row['name']:<6}{str(row['shape']):<12}{row['max']:>16.2e}"
                         f"{row['mean']:>17.2e}   {ok}")
        lines.append(f"{'passed' if self.passed else 'FAILED'}: tolerance {self.tolerance:.0e} "
                     f"on the relative error |analytic − numeric| / max(|analytic|, |numeric|, "
                     f"{FLOOR:g})")
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck(net, X, Y, step=1e-6, tolerance=1e-5):
    """Check backpropagation against central finite differences, in float64.

    Every entry θ of every W^[l], b^[l] and of X is moved by ±h, h = step·max(1, |θ|), and
    (J(θ + h) − J(θ − h)) / 2h is compared with the gradient backpropagation computed, by
    the relative error |analytic − numeric| / max(|analytic|, |numeric|, 1e-4). A float32
    network is checked through a float64 copy. The network is left unchanged.

    Returns
    -------
    GradcheckReport
        Prints as a table of the max and mean relative error per parameter and for dA0,
        with pass or fail against ``tolerance``.
    """
    copy = Network(net.layer_sizes, net.activations, net.cost_name, backend=net.backend,
                   dtype=np.float64)
    for key, value in net.params.items():
        copy.params[key] = value
    X = np.array(copy._check(X)[0], dtype=np.float64)
    Y = copy._check(X, Y)[1]
    grads = copy.gradients(X, Y)
    rows = []
    for name, array in list(copy.params.items()) + [("A0", X)]:
        numeric = np.empty(array.shape)
        for index in np.ndindex(array.shape):
            saved = array[index]
            h = step * max(1.0, abs(saved))
            array[index] = saved + h
            plus = copy.cost(X, Y)
            array[index] = saved - h
            minus = copy.cost(X, Y)
            array[index] = saved
            numeric[index] = (plus - minus) / (2 * h)
        analytic = grads["d" + name]
        error = np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic),
                                                                   np.abs(numeric)), FLOOR)
        rows.append({"name": "d" + name, "shape": array.shape, "max": float(error.max()),
                     "mean": float(error.mean())})
    return GradcheckReport(rows, tolerance)

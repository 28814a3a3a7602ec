"""Checks a student (and the test suite) can run: backpropagation against central finite
differences, the activation Jacobian ∂a/∂z of one example, and the agreement of the two
backends on one step."""
import copy

import numpy as np

from .. import kernels, registry, validation
from ..network import Network


def activation_jacobian(name, z):
    """The n x n matrix ∂a/∂z of one example, in the derivation's layout: row j, column p
    holds ∂a_p/∂z_j (eq:dz multiplies it with dJ/da directly).

    That is the transpose of the usual Jacobian, whose row p, column j holds ∂a_p/∂z_j
    (numerator layout). For the activations of this library the two coincide: the
    element-wise ones give a diagonal matrix and softmax a symmetric one, diag(a) - a a^T.

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
    kernels.jacobian_matrix(D, z, np.ascontiguousarray(a[:, 0]), code)
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
                   dtype=np.float64, l2=net.l2)
    for key, value in net.params.items():
        copy.params[key] = value
    X = np.array(copy.validate_X(X), dtype=np.float64)
    Y = copy.validate(X, Y)[1]
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


def agreement_tolerance(layer_sizes, m, dtype):
    """The largest relative difference two correct backends may show on one step's gradients.

    Every gradient entry is built from sums of at most K = max(n^[0], ..., n^[L], m) terms
    per layer (z sums n^[l-1] terms, dW sums m, dA_prev sums n^[l]). Two summation orders of
    a K-term sum differ by at most about K ε Σ|terms| (ε the dtype's machine epsilon), and
    forward and backward propagation add such an error in each of the L layers twice. The
    bound is 8 L K ε relative to the gradient's largest magnitude: 2 L K ε, with a factor 4
    for sums whose terms partly cancel. (float64, [2, 64, 64, 3], m = 32: 8.5e-14.)
    """
    K = max(max(layer_sizes), m)
    return 8 * (len(layer_sizes) - 1) * K * float(np.finfo(dtype).eps)


def backend_agreement(net, X, Y):
    """Compare the loops and numpy backends on the gradients of J at the current parameters.

    Returns
    -------
    difference : float
        The largest |loops − numpy| over every dW^[l] and db^[l], relative to the largest
        magnitude of that gradient on numpy.
    tolerance : float
        ``agreement_tolerance`` for this network and batch: a larger difference is a bug,
        not rounding. The network is left unchanged.
    """
    X, Y = net.validate(X, Y)
    grads = {}
    for backend in registry.BACKENDS:
        twin = copy.deepcopy(net)
        twin.backend = backend
        grads[backend] = twin.gradients(X, Y)
    difference = max(
        float(np.max(np.abs(grads["loops"][k] - ref)) / max(float(np.max(np.abs(ref))), 1e-300))
        for k, ref in grads["numpy"].items() if k != "dA0")
    return difference, agreement_tolerance(net.layer_sizes, X.shape[1], net.dtype)

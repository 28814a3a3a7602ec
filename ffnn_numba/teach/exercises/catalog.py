"""The exercises: one per reference kernel, named after the quantity its equation defines.

Each ``Exercise`` knows its kernel (which computes the expected outputs, so no solution is
shipped), the scalar equation in the derivation's letters, the kernel's arguments with their
shapes, how to draw inputs for a case, and the common mistakes it can recognise
(``mistakes.py``). Size letters: n = n^[l] (nodes of layer l), n_prev = n^[l-1], m examples.
"""
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import formulas
from ... import kernels, registry
from ..equation import Lit, Sym, text
from ..formulas import python   # the plain Python function a Numba kernel compiles
from ...kernels import costs, linear
from . import mistakes


class Argument(NamedTuple):
    name: str
    shape: tuple       # size letters ("n", "n_prev", "m") or 1
    meaning: str


class Exercise(NamedTuple):
    name: str          # "z", "a_relu", "dZ_softmax", "seed_binary_cross_entropy", ...
    function: str      # the kernel's name: the template's function and the reference backend's key
    kernel: Callable   # the reference kernel, whose Python source computes the expected outputs
    equation: str      # the scalar equation, in the derivation's letters (1-based)
    letters: str       # what the output's two indices are, e.g. ("j", "i")
    arguments: tuple   # Argument, outputs first, in the kernel's order
    outputs: tuple     # names of the arguments the function overwrites; () when it returns J
    draw: Callable     # draw(rng, sizes, dtype, by_hand) -> dict of the input arrays
    find_mistakes: Callable  # find_mistakes(inputs, expected) -> [(key, message, wrong output)]
    notes: str = ""
    extension: bool = False  # beyond the derivation and its series (parts 2 and 3)

    @property
    def size_letters(self):
        linear = any("n_prev" in a.shape for a in self.arguments)
        return ("n", "n_prev", "m") if linear else ("n", "m")

    @property
    def signature(self):
        return f"{self.function}({', '.join(a.name for a in self.arguments)})"


def _values(rng, shape, dtype, by_hand):
    """Multiples of 1/2 in [-2, 2] for the fixed cases (sums a student can redo by hand),
    standard normal draws for the random ones."""
    values = rng.integers(-4, 5, shape) / 2 if by_hand else rng.standard_normal(shape)
    return np.ascontiguousarray(values, dtype=dtype)


def _pre_activations(rng, sizes, dtype, by_hand):
    """Z^[l] with at least one z exactly 0, where relu'(0) = 0 (and leaky relu's) shows."""
    Z = _values(rng, (sizes["n"], sizes["m"]), dtype, by_hand)
    Z[tuple(rng.integers(0, s) for s in Z.shape)] = 0
    return Z


# ---------------------------------------------------------------------------------------------
# The linear part of a layer (kernels/linear.py)

LINEAR_SHAPES = {"W": ("n", "n_prev"), "A_prev": ("n_prev", "m"), "b": ("n", 1),
                 "dZ": ("n", "m")}


def _draw_linear(*names):
    def draw(rng, sizes, dtype, by_hand):
        return {name: _values(rng, tuple(sizes.get(s, s) for s in LINEAR_SHAPES[name]), dtype,
                              by_hand) for name in names}
    return draw


_W = Argument("W", ("n", "n_prev"), "the weights w_{j,k} of layer l")
_A_PREV = Argument("A_prev", ("n_prev", "m"), "the activations a_{k,i} of layer l-1")
_DZ = Argument("dZ", ("n", "m"), "dJ/dz_{j,i} of layer l")

LINEAR_EXERCISES = [
    Exercise("z", "linear_forward", linear.linear_forward,
             "z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j", ("j", "i"),
             (Argument("Z", ("n", "m"), "output: z_{j,i}, the weighted sums of layer l"), _W,
              _A_PREV, Argument("b", ("n", 1), "the biases b_j of layer l, one column")),
             ("Z",), _draw_linear("W", "A_prev", "b"), mistakes.z),
    Exercise("dW", "weight_gradient", linear.weight_gradient,
             "dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}", ("j", "k"),
             (Argument("dW", ("n", "n_prev"), "output: dJ/dw_{j,k}"), _DZ, _A_PREV),
             ("dW",), _draw_linear("dZ", "A_prev"), mistakes.dW,
             "No 1/m here: it is already inside dJ/dz, which the cost's seed brought in."),
    Exercise("db", "bias_gradient", linear.bias_gradient,
             "dJ/db_j = Σ_i dJ/dz_{j,i}", ("j",),
             (Argument("db", ("n", 1), "output: dJ/db_j, one column"), _DZ),
             ("db",), _draw_linear("dZ"), mistakes.db,
             "No 1/m here: it is already inside dJ/dz, which the cost's seed brought in."),
    Exercise("dA_prev", "prev_activation_gradient", linear.prev_activation_gradient,
             "dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}", ("k", "i"),
             (Argument("dA_prev", ("n_prev", "m"), "output: dJ/da_{k,i} of layer l-1"), _W, _DZ),
             ("dA_prev",), _draw_linear("W", "dZ"), mistakes.dA_prev),
]


# ---------------------------------------------------------------------------------------------
# Activations (kernels/activations.py): a = g(z) and dJ/dz = Σ_p dJ/da_p ∂a_p/∂z_j

_z, _a, _y = Sym("z", ("j", "i")), Sym("a", ("j", "i")), Sym("y", ("j", "i"))


def _activation_equation(name):
    """(a_{j,i} = ..., the factor ∂a_{j,i}/∂z_{j,i} of dJ/da_{j,i}): the formulas explain
    shows (ffnn_numba.teach.formulas), written in the exercise's letters."""
    if name == "softmax":
        return text(formulas.softmax(_z, Sym("z", ("p", "i")))), ""
    factor = "" if name == "linear" else " " + text(formulas.slope(name, _z, _a))
    return text(formulas.g(name, _z)), factor


ACTIVATION_NOTES = {
    "relu": "relu'(0) = 0 as the series defines it: the indicator I(z > 0) is 0 at z = 0, and "
            "every case has a z exactly 0.",
    "leaky_relu": f"The slope is {registry.LEAKY_RELU_SLOPE} for every z <= 0, z = 0 included.",
    "elu": "For z <= 0, ∂a/∂z = exp(z) = a + 1.",
    "softplus": "σ(z) = 1 / (1 + exp(-z)).",
    "silu": "σ(z) = 1 / (1 + exp(-z)).",
    "softmax": "∂a_{p,i}/∂z_{j,i} = a_{p,i} (δ_{pj} - a_{j,i}): every p contributes, not only "
               "p = j. The sum over p runs over the nodes of one column i.",
}
IN_THE_SERIES = {"relu", "sigmoid", "tanh", "softmax"}   # part 2 covers exactly these four

_Z = Argument("Z", ("n", "m"), "z_{j,i} of layer l")


def _draw_forward(rng, sizes, dtype, by_hand):
    return {"Z": _pre_activations(rng, sizes, dtype, by_hand)}


def _draw_backward(forward):
    def draw(rng, sizes, dtype, by_hand):
        Z = _pre_activations(rng, sizes, dtype, by_hand)
        A = np.empty_like(Z)
        python(forward)(A, Z)
        return {"dA": _values(rng, Z.shape, dtype, by_hand), "Z": Z, "A": A}
    return draw


def _activation_exercises(name, forward, backward):
    a, derivative = _activation_equation(name)
    coupled = registry.ACTIVATIONS[name].coupled
    backward_equation = ("dJ/dz_{j,i} = Σ_p dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i} "
                         "= a_{j,i} (dJ/da_{j,i} − Σ_p dJ/da_{p,i} a_{p,i})" if coupled else
                         f"dJ/dz_{{j,i}} = dJ/da_{{j,i}}{derivative}")
    backward_notes = ACTIVATION_NOTES.get(name, "") if coupled else " ".join(filter(None, [
        "Element-wise: ∂a_{p,i}/∂z_{j,i} = 0 for p ≠ j, so the sum over p of "
        "dJ/da_{p,i} ∂a_{p,i}/∂z_{j,i} keeps the one term p = j.", ACTIVATION_NOTES.get(name)]))
    extension = name not in IN_THE_SERIES
    return [
        Exercise(f"a_{name}", python(forward).__name__, forward, f"a_{{j,i}} = {a}", ("j", "i"),
                 (Argument("A", ("n", "m"), "output: a_{j,i} of layer l"), _Z), ("A",),
                 _draw_forward, mistakes.activation_forward(name),
                 "Each column i is one example: the sum over p stays inside it." if coupled
                 else "", extension),
        Exercise(f"dZ_{name}", python(backward).__name__, backward, backward_equation, ("j", "i"),
                 (Argument("dZ", ("n", "m"), "output: dJ/dz_{j,i} of layer l"),
                  Argument("dA", ("n", "m"), "dJ/da_{j,i} of layer l"), _Z,
                  Argument("A", ("n", "m"), f"a_{{j,i}} = {name}(z) of layer l")),
                 ("dZ",), _draw_backward(forward),
                 mistakes.activation_backward(name, python(backward)),
                 backward_notes, extension),
    ]


ACTIVATION_EXERCISES = [exercise
                        for name, (forward, backward) in kernels.ACTIVATION_FUNCTIONS.items()
                        for exercise in _activation_exercises(name, forward, backward)]


# ---------------------------------------------------------------------------------------------
# Costs (kernels/costs.py): J, its seed dJ/da^[L], and the fused dJ/dz^[L] = (a - y)/m

def _draw_outputs(kind):
    """A^[L] and Y for a cost: any reals for mean squared error; probabilities kept within
    [0.05, 0.95] for cross-entropy (so no log or 1/a comes near 0, and no clipping is
    needed); softmax columns and one-hot labels for the categorical kind."""
    def draw(rng, sizes, dtype, by_hand):
        n, m = sizes["n"], sizes["m"]
        if kind == "real":
            A, Y = _values(rng, (n, m), dtype, by_hand), _values(rng, (n, m), dtype, by_hand)
        elif kind == "binary":
            A = rng.integers(1, 10, (n, m)) / 10 if by_hand else rng.uniform(0.05, 0.95, (n, m))
            Y = rng.integers(0, 2, (n, m))
        else:
            logits = rng.standard_normal((n, m))
            A = np.exp(logits) / np.exp(logits).sum(axis=0)
            A = 0.05 + 0.9 * A if n > 1 else np.ones((1, m))   # within [0.05, 0.95] but one class
            A /= A.sum(axis=0)
            Y = np.zeros((n, m))
            Y[rng.integers(0, n, m), np.arange(m)] = 1
        return {"A": np.ascontiguousarray(A, dtype), "Y": np.ascontiguousarray(Y, dtype)}
    return draw


COSTS = {   # name: (kind of A and Y, notes)
    "mean_squared_error": ("real", "The 1/2 cancels the 2 of the square's derivative."),
    "binary_cross_entropy": ("binary", "One output node (n = 1) is binary classification; "
                             "several are multi-label classification (series part 3), summed "
                             "over the labels j and averaged over the examples i only."),
    "categorical_cross_entropy": ("categorical", "Every column of Y is one-hot; every column "
                                  "of A sums to 1."),
}
_A_L = Argument("A", ("n", "m"), "the outputs a_{j,i} of the last layer L")
_Y = Argument("Y", ("n", "m"), "the targets y_{j,i}")


def _cost_exercises(name, cost, seed):
    kind, notes = COSTS[name]
    J = f"J = {text(formulas.cost(name, _a, _y))}"
    dA = f"dJ/da_{{j,i}} = {text(formulas.seed(name, _a, _y, Lit('m')))}"
    notes += " The checks keep every a within [0.05, 0.95]: no clipping is needed."
    if kind == "real":
        notes = notes.split(" The checks")[0]
    extension = name == "mean_squared_error"   # part 3 covers the three cross-entropies only
    return [
        Exercise(f"J_{name}", python(cost).__name__, cost, J, (), (_A_L, _Y), (),
                 _draw_outputs(kind), mistakes.cost(name),
                 notes + " Return J as a float: it is the one kernel that returns its result.",
                 extension),
        Exercise(f"seed_{name}", python(seed).__name__, seed, dA, ("j", "i"),
                 (Argument("dA", ("n", "m"), "output: the seed dJ/da_{j,i} of the last layer L"),
                  _A_L, _Y), ("dA",), _draw_outputs(kind), mistakes.seed(name), notes, extension),
    ]


COST_EXERCISES = [exercise for name in COSTS
                  for exercise in _cost_exercises(name, *kernels.COST_FUNCTIONS[name])]

OUTPUT_EXERCISE = Exercise(
    "dZ_output", "output_delta", costs.output_delta,
    f"dJ/dz_{{j,i}} = {text(formulas.output_delta(_a, _y, Lit('m')))}",
    ("j", "i"), (Argument("dZ", ("n", "m"), "output: dJ/dz_{j,i} of the last layer L"), _A_L, _Y),
    ("dZ",), _draw_outputs("categorical"), mistakes.dZ_output,
    "The seed and the output activation's backward step in one: sigmoid with binary or "
    "multi-label cross-entropy, softmax with categorical cross-entropy (series part 3, "
    "eqs. 3, 6 and 9; softmax's needs every column of Y to sum to 1).")

EXERCISES = {exercise.name: exercise for exercise in
             LINEAR_EXERCISES + ACTIVATION_EXERCISES + COST_EXERCISES + [OUTPUT_EXERCISE]}
BY_FUNCTION = {exercise.function: exercise for exercise in EXERCISES.values()}

"""Names, integer codes and metadata of the activations and costs.

Both engines read this module and nothing else about the choices a network makes:
``ffnn_numba.kernels`` branches on the integer codes inside compiled code, the vectorized
path and the model look entries up by name. The registries of equations themselves
(``kernels.ACTIVATION_FUNCTIONS``, ``vectorized.ACTIVATION_FUNCTIONS``, ``COST_FUNCTIONS``,
``UPDATE_RULES``) use exactly these names as keys.
"""
from typing import NamedTuple

__version__ = "0.1.0"   # the library's, as pyproject.toml says; saved in every model file

LINEAR, RELU, LEAKY_RELU, ELU, SOFTPLUS, SILU, SIGMOID, TANH, SOFTMAX = range(9)
MEAN_SQUARED_ERROR, BINARY_CROSS_ENTROPY, CATEGORICAL_CROSS_ENTROPY, MULTILABEL_CROSS_ENTROPY = (
    range(4))

# The engines a network trains on, compared by the benchmark and the demo: Numba's compiled
# loops and NumPy's matrix forms.
BACKENDS = ("loops", "numpy")
# Every engine a network can run on: also the reference loop nests as plain Python, slow, for
# teaching and debugging (ffnn_numba/reference.py).
ALL_BACKENDS = (*BACKENDS, "reference")

LEAKY_RELU_SLOPE = 0.01   # leaky_relu(z) = 0.01 z for z < 0
ELU_ALPHA = 1.0           # elu(z) = α (exp(z) - 1) for z < 0


class Activation(NamedTuple):
    code: int
    init: str           # "he" for relu-like layers, "glorot" otherwise
    coupled: bool       # g_j reads the whole column z_{:,i} (softmax): eq:dz_scalar keeps its sum over p
    probability: bool   # every output lies in [0, 1], as cross-entropy costs need


class Cost(NamedTuple):
    code: int
    cross_entropy: bool  # targets in [0, 1], outputs must be probabilities


ACTIVATIONS = {
    "linear": Activation(LINEAR, "glorot", False, False),
    "relu": Activation(RELU, "he", False, False),
    "leaky_relu": Activation(LEAKY_RELU, "he", False, False),
    "elu": Activation(ELU, "he", False, False),
    "softplus": Activation(SOFTPLUS, "he", False, False),
    "silu": Activation(SILU, "he", False, False),
    "sigmoid": Activation(SIGMOID, "glorot", False, True),
    "tanh": Activation(TANH, "glorot", False, False),
    "softmax": Activation(SOFTMAX, "glorot", True, True),
}

COSTS = {
    "mean_squared_error": Cost(MEAN_SQUARED_ERROR, False),
    "binary_cross_entropy": Cost(BINARY_CROSS_ENTROPY, True),
    "categorical_cross_entropy": Cost(CATEGORICAL_CROSS_ENTROPY, True),
    "multilabel_cross_entropy": Cost(MULTILABEL_CROSS_ENTROPY, True),
}

# Output activation and cost whose product simplifies to dJ/dZ^[L] = (A^[L] - Y) / m
# (series part 3, eqs. 3, 6 and 9); for these J is also computed from the logits Z^[L].
FUSED = frozenset({
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("sigmoid", "multilabel_cross_entropy"),
})

# The output activation each cost is naturally paired with, used when none is given.
DEFAULT_OUTPUT = {
    "mean_squared_error": "linear",
    "binary_cross_entropy": "sigmoid",
    "categorical_cross_entropy": "softmax",
    "multilabel_cross_entropy": "sigmoid",
}

# Optimizers: the update θ ← ... applied after each mini-batch (kernels/optimizers.py).
SGD, MOMENTUM, NESTEROV, ADAM = range(4)
OPTIMIZERS = {"sgd": SGD, "momentum": MOMENTUM, "nesterov": NESTEROV, "adam": ADAM}

# The names back from the codes the compiled engine reads.
ACTIVATION_NAMES = {info.code: name for name, info in ACTIVATIONS.items()}
COST_NAMES = {info.code: name for name, info in COSTS.items()}
OPTIMIZER_NAMES = {code: name for name, code in OPTIMIZERS.items()}

# Slots of the float64 ``settings`` vector every update kernel reads: the learning rate α,
# momentum μ, Adam's β1, β2 and ε, and the number of Adam steps taken so far.
LEARNING_RATE, MOMENTUM_COEFFICIENT, BETA_1, BETA_2, EPSILON, STEPS = range(6)
N_SETTINGS = 6

INITIALIZERS = ("auto", "he", "glorot", "small")

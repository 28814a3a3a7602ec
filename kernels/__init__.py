"""The derivation's equations as Numba-compiled loops over its own index letters.

Installed as ``ffnn_numba.kernels``. Every kernel fills arrays the caller passes (outputs
first) and trusts its arguments: the model validates input before any kernel runs.

Modules: ``linear`` (eq:z_scalar, eq:dw_scalar, eq:db_scalar, eq:da_prev_scalar),
``activations`` (eq:a_scalar, eq:dz_scalar), ``jacobian`` (eq:dz_scalar in full),
``costs`` (eq:J and its seed), ``step`` (whole-network propagation and training), which
calls a network's activation, cost and update kernels through ``calls``' table.
``ffnn_numba.vectorized`` has the same names and signatures for the matrix forms.
"""
from ._jit import CACHE_DIR
from .activations import ACTIVATION_FUNCTIONS, activation_backward, activation_forward
from .costs import COST_FUNCTIONS, correct_predictions, cost_backward, cost_forward, output_delta
from .jacobian import jacobian_backward, jacobian_matrix
from .linear import (bias_gradient, linear_backward, linear_forward, prev_activation_gradient,
                     weight_gradient)
from .step import (backward_propagation, forward_propagation, l2_penalty, output_cost, train_epoch,
                   train_step)

__all__ = [
    "ACTIVATION_FUNCTIONS", "CACHE_DIR", "COST_FUNCTIONS", "activation_backward", "activation_forward",
    "backward_propagation", "bias_gradient", "correct_predictions", "cost_backward", "cost_forward",
    "forward_propagation", "jacobian_backward", "jacobian_matrix", "l2_penalty", "linear_backward", "linear_forward",
    "output_cost", "output_delta", "prev_activation_gradient", "train_epoch", "train_step",
    "weight_gradient",
]

"""Step through z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j (eq:z_scalar) in a debugger, from the
repository root (docs/equations.md, "Stepping through a kernel in a debugger"):

    python -m pdb -c "until 9" -c "b ffnn_numba.kernels.linear.linear_forward.py_func" \
        -c continue -c "b 27" -c continue -c "p j, k, i, Z[j, i]" docs/step_through.py
"""
import ffnn_numba.kernels.linear  # noqa: F401 - imported first, so that pdb can name the kernel
from ffnn_numba.teach.examples import lecture_network

net, X, Y = lecture_network(backend="reference")   # the kernels' Python source, one by one
net.forward(X)

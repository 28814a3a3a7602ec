"""The linear part of a layer, forward and backward, as loops over the derivation's letters.

Index letters (0-based here, 1-based in the derivation):
    j   node of the current layer l,   j = 0..n^[l]-1
    k   node of the previous layer,    k = 0..n^[l-1]-1
    i   example,                       i = 0..m-1
Shapes (all C-contiguous):
    W, dW       (n^[l], n^[l-1])        b, db   (n^[l], 1)
    A_prev, dA_prev  (n^[l-1], m)       Z, dZ   (n^[l], m)
Rows are nodes and columns examples, so every loop nest keeps i innermost: it then walks
contiguous memory in every array it touches. The equations do not depend on the loop order.
"""
from ._jit import jit


@jit
def linear_forward(Z, W, A_prev, b):
    """z_{j,i} = Σ_k w_{j,k} a_{k,i} + b_j  (eq:z_scalar). Overwrites Z."""
    n, n_prev = W.shape
    m = A_prev.shape[1]
    for j in range(n):
        for i in range(m):
            Z[j, i] = b[j, 0]
        for k in range(n_prev):
            w_jk = W[j, k]
            for i in range(m):
                Z[j, i] += w_jk * A_prev[k, i]


@jit
def weight_gradient(dW, dZ, A_prev):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar). Overwrites dW."""
    n, n_prev = dW.shape
    m = dZ.shape[1]
    for j in range(n):
        for k in range(n_prev):
            dw_jk = dW.dtype.type(0)
            for i in range(m):
                dw_jk += dZ[j, i] * A_prev[k, i]
            dW[j, k] = dw_jk


@jit
def bias_gradient(db, dZ):
    """dJ/db_j = Σ_i dJ/dz_{j,i}  (eq:db_scalar). Overwrites db."""
    n, m = dZ.shape
    for j in range(n):
        db_j = db.dtype.type(0)
        for i in range(m):
            db_j += dZ[j, i]
        db[j, 0] = db_j


@jit
def prev_activation_gradient(dA_prev, W, dZ):
    """dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}  (eq:da_prev_scalar). Overwrites dA_prev.

    Loops j outside k so that each term w_{j,k} dz_{j,:} is added along a contiguous row;
    the sum over j still runs in order j = 0, 1, ...
    """
    n, n_prev = W.shape
    m = dZ.shape[1]
    for k in range(n_prev):
        for i in range(m):
            dA_prev[k, i] = 0
    for j in range(n):
        for k in range(n_prev):
            w_jk = W[j, k]
            for i in range(m):
                dA_prev[k, i] += w_jk * dZ[j, i]


@jit
def linear_backward(dW, db, dA_prev, dZ, W, A_prev):
    """dW (eq:dw_scalar), db (eq:db_scalar) and dA_prev (eq:da_prev_scalar) from dZ. Overwrites all three."""
    weight_gradient(dW, dZ, A_prev)
    bias_gradient(db, dZ)
    prev_activation_gradient(dA_prev, W, dZ)

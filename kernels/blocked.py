"""Fast forms of the three matrix equations of a layer, tested against ``linear.py``.

Each equation is a sum of products over one index, i.e. one matrix product C = L R computed
by ``gemm.gemm`` (packing, register and cache blocking: see there):

    C = L R,   c_{r,s} = Σ_t l_{r,t} r_{t,s}

    eq:z_scalar        z_{j,i}  = b_j + Σ_k w_{j,k} a_{k,i}   r=j, s=i, t=k; L = W,   R = A_prev
    eq:dw_scalar       dw_{j,k} = Σ_i dz_{j,i} a_{k,i}        r=j, s=k, t=i; L = dZ,  R = A_prev^T
    eq:da_prev_scalar  da_{k,i} = Σ_j w_{j,k} dz_{j,i}        r=k, s=i, t=j; L = W^T, R = dZ

The transposed operands are views: ``gemm`` reads L where it lies (a transposed L one tile's
block at a time, copied) and R where its rows are contiguous, copying the rest into the
caller's ``scratch`` (``layout.scratch_size``), so nothing is transposed beforehand.
Products too small to repay the packing (see ``step.py``) use simpler forms: eq:z_scalar and
eq:da_prev_scalar the axpy form ``rows_times``, eq:dw_scalar ``dot_products``, 4 x 4 blocks of
dot products along the rows of dZ and A_prev, which are contiguous in both: each pass loads 8
numbers for 16 multiply-adds and LLVM vectorises the sum over i (``FASTMATH`` lets it reorder
it).
"""
from ._jit import jit
from .gemm import gemm


@jit(fast=True, inline=True)
def dot_block(C, L, R, r, s, t0, t1):
    """c_{r+a,s+b} += Σ_{t0 <= t < t1} l_{r+a,t} r_{s+b,t} for a, b = 0..3, in 16 registers."""
    c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = C.dtype.type(0)
    c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = C.dtype.type(0)
    for t in range(t0, t1):
        l0, l1, l2, l3 = L[r, t], L[r + 1, t], L[r + 2, t], L[r + 3, t]
        r0, r1, r2, r3 = R[s, t], R[s + 1, t], R[s + 2, t], R[s + 3, t]
        c00 += l0 * r0; c01 += l0 * r1; c02 += l0 * r2; c03 += l0 * r3  # noqa: E702
        c10 += l1 * r0; c11 += l1 * r1; c12 += l1 * r2; c13 += l1 * r3  # noqa: E702
        c20 += l2 * r0; c21 += l2 * r1; c22 += l2 * r2; c23 += l2 * r3  # noqa: E702
        c30 += l3 * r0; c31 += l3 * r1; c32 += l3 * r2; c33 += l3 * r3  # noqa: E702
    C[r, s] += c00; C[r, s + 1] += c01; C[r, s + 2] += c02; C[r, s + 3] += c03  # noqa: E702
    C[r + 1, s] += c10; C[r + 1, s + 1] += c11; C[r + 1, s + 2] += c12; C[r + 1, s + 3] += c13  # noqa: E702,E501
    C[r + 2, s] += c20; C[r + 2, s + 1] += c21; C[r + 2, s + 2] += c22; C[r + 2, s + 3] += c23  # noqa: E702,E501
    C[r + 3, s] += c30; C[r + 3, s + 1] += c31; C[r + 3, s + 2] += c32; C[r + 3, s + 3] += c33  # noqa: E702,E501


@jit(fast=True, inline=True)
def dot_one(C, L, R, r, s, t0, t1):
    """c_{r,s} += Σ_{t0 <= t < t1} l_{r,t} r_{s,t}: the edges that 4 x 4 blocks leave over."""
    c = C.dtype.type(0)
    for t in range(t0, t1):
        c += L[r, t] * R[s, t]
    C[r, s] += c


@jit(fast=True)
def dot_row_block(C, L, R, r, t0, t1):
    """Rows r..r+3 of C (fewer at the bottom edge) += their products over t0 <= t < t1."""
    n_s = C.shape[1]
    if r + 4 <= C.shape[0]:
        for s in range(0, n_s - n_s % 4, 4):
            dot_block(C, L, R, r, s, t0, t1)
        for s in range(n_s - n_s % 4, n_s):
            for a in range(4):
                dot_one(C, L, R, r + a, s, t0, t1)
    else:
        for a in range(r, C.shape[0]):
            for s in range(n_s):
                dot_one(C, L, R, a, s, t0, t1)


@jit(fast=True)
def dot_products(C, L, R):
    """c_{r,s} += Σ_t l_{r,t} r_{s,t}, i.e. C += L R^T, as dot products along rows contiguous
    in both. Accumulates into C.

    On one thread: the engine uses this form where the blocked one does not pay
    (``step.blocked_pays``), for small products and products of fewer than 16 columns;
    a parallel loop here cost 0.9 s of every cold start."""
    n_t = L.shape[1]
    for block in range((C.shape[0] + 3) // 4):
        dot_row_block(C, L, R, 4 * block, 0, n_t)


@jit
def fill(C, value):
    """c_{r,s} = value. (In a parallel function ``C[:, :] = value`` would start threads.)"""
    for r in range(C.shape[0]):
        for s in range(C.shape[1]):
            C[r, s] = value


@jit(fast=True)
def rows_times(C, L, B):
    """c_{r,i} += Σ_q l_{r,q} b_{q,i}, i.e. C += L B, in axpy form with q unrolled by four.

    For products too small to repay packing. Each pass adds four terms to a row of C, so that
    row is loaded and stored a quarter as often as in the reference loops, and one output row
    against four input rows leaves few enough overlaps for LLVM to check and vectorise.
    """
    n_r, n_q = L.shape
    m = B.shape[1]
    for r in range(n_r):
        q = 0
        while q + 4 <= n_q:
            l0, l1, l2, l3 = L[r, q], L[r, q + 1], L[r, q + 2], L[r, q + 3]
            for i in range(m):
                C[r, i] += l0 * B[q, i] + l1 * B[q + 1, i] + l2 * B[q + 2, i] + l3 * B[q + 3, i]
            q += 4
        for q_left in range(q, n_q):  # the last n_q % 4 terms, one at a time
            l0 = L[r, q_left]
            for i in range(m):
                C[r, i] += l0 * B[q_left, i]


@jit(inline=True)
def linear_forward_unrolled(Z, W, A_prev, b):
    """z_{j,i} = b_j + Σ_k w_{j,k} a_{k,i}  (eq:z_scalar), four k per pass. Overwrites Z."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            Z[j, i] = b[j, 0]
    rows_times(Z, W, A_prev)


@jit(inline=True)
def prev_activation_gradient_unrolled(dA_prev, W, dZ):
    """dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}  (eq:da_prev_scalar), four j per pass. Overwrites dA_prev."""
    fill(dA_prev, 0)
    rows_times(dA_prev, W.T, dZ)


@jit(inline=True)
def linear_forward_blocked(Z, W, A_prev, b, scratch):
    """z_{j,i} = b_j + Σ_k w_{j,k} a_{k,i}  (eq:z_scalar). Overwrites Z."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            Z[j, i] = b[j, 0]
    gemm(Z, W, A_prev, scratch, bool(False))


@jit(inline=True)
def weight_gradient_blocked(dW, dZ, A_prev, scratch):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar). Overwrites dW.

    As written, dW = dZ A_prev^T (r=j, s=k; packs A_prev^T, n^[l-1] x m numbers). Transposed,
    dW^T = A_prev dZ^T would pack fewer numbers where n^[l] < n^[l-1], but its tiles would
    add into a C whose rows are not contiguous: 0.96-1.10x at 784 -> 128 and 64 -> 128,
    0.5-0.8x elsewhere (1024 -> 1024, digits' 64 -> 64 at m = 32), measured both dtypes.
    """
    gemm(dW, dZ, A_prev.T, scratch, bool(True))   # bool(): one packed_gemm (see gemm)


@jit(fast=True)
def linear_forward_dots(Z, W, A_prev, b):
    """z_{j,i} = b_j + Σ_k w_{j,k} a_{k,i}  (eq:z_scalar), one dot product over k per output.
    For one example, where A_prev's column is contiguous and the axpy form's loop over i too
    short to vectorise (with more, the reads down A_prev's columns are strided). Overwrites Z."""
    for j in range(Z.shape[0]):
        for i in range(Z.shape[1]):
            z = Z.dtype.type(0)
            for k in range(W.shape[1]):
                z += W[j, k] * A_prev[k, i]
            Z[j, i] = b[j, 0] + z


@jit(fast=True)
def weight_gradient_outer(dW, dZ, A_prev):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar), one outer product per example,
    for a few examples: the dot products' sums over i are then too short to repay their
    blocks. Overwrites dW."""
    fill(dW, 0)
    for j in range(dW.shape[0]):
        for i in range(dZ.shape[1]):
            dz = dZ[j, i]
            for k in range(dW.shape[1]):
                dW[j, k] += dz * A_prev[k, i]


@jit(inline=True)
def weight_gradient_dots(dW, dZ, A_prev):
    """dJ/dw_{j,k} = Σ_i dJ/dz_{j,i} a_{k,i}  (eq:dw_scalar), as dot products. Overwrites dW."""
    fill(dW, 0)
    dot_products(dW, dZ, A_prev)


@jit(inline=True)
def prev_activation_gradient_blocked(dA_prev, W, dZ, scratch):
    """dJ/da_{k,i} = Σ_j w_{j,k} dJ/dz_{j,i}  (eq:da_prev_scalar). Overwrites dA_prev."""
    gemm(dA_prev, W.T, dZ, scratch, bool(True))

"""C += L R, the product behind the three matrix equations of a layer (see ``blocked.py``).

    c_{r,s} += Σ_t l_{r,t} r_{t,s}                                              (``gemm``)

computed as BLAS does, in the one form LLVM vectorises well from Numba: a sum of scaled rows.
Numba runs LLVM's loop vectoriser but not its SLP vectoriser (``NUMBA_SLP_VECTORIZE=0``), so
the loop over s must be the innermost, vectorised one:

- Packing: R is copied into panels of ``NC`` columns, t-major, ``Bp[q, t, s'] = r_{t, q NC + s'}``
  (zero past the last column). A panel row then lies at a compile-time distance ``NC`` from the
  next, as do the rows of the tile T that collects 4 rows of C. All the rows LLVM must prove
  disjoint are thus two ranges (T and one panel block), one runtime check, and the s loop
  becomes 512-bit FMAs.
- Narrow panels: the last panel, when narrower than NC (a batch of 64: Z = W A_prev has 64
  columns), is computed only to the next multiple of ``NU`` columns instead of NC, and
  ``panel`` is inlined so that full panels keep the compile-time width NC (1.4x faster than
  a runtime width; the narrow form: 1.8x on 128 x 784 x 64 against padding to NC).
- Register blocking (``panel``): each pass holds l_{r+a,t+u} for a, u = 0..3 in 16 registers
  and adds Σ_u l_{r+a,t+u} b_{t+u,s} to t_{a,s}: per 8 (or 16) columns 4 panel loads, 4 tile
  loads and stores, 16 FMAs.
- Cache blocking: t runs in blocks of ``KC``, so that the panel block (KC rows of NC numbers)
  stays in L2 while ``MC`` rows of C pass over it; each row block's tile (4 rows of NC) stays
  in L1.
- Threads: groups of ``MC`` rows of C are independent and each output is summed by one
  thread in one order (t ascending, KU terms at a time), so C is bitwise the same for any
  thread count. Each group is one task (``_tasks.set_chunksize``), so a thread the
  scheduler takes off its core on a busy machine holds up one group, not half of them.
  Below ``PARALLEL_MIN_WORK`` multiply-adds one thread is faster.

The sums therefore differ from the reference loops by rounding only (``FASTMATH`` reassociates
each pass of four terms).
"""
from numba import prange

from ._jit import jit
from ._tasks import set_chunksize
from ._views import c_ordered, flat, is_c_ordered, strided

MR = 4      # rows of C per pass: 4 rows x 4 terms of L held in registers
NC = 128    # columns of a panel (compile-time constant, as the distances above must be)
KC = 256    # t per cache block: KC x NC panel block = 256 KiB (float64), stays in L2
MC = 32     # rows of C per thread's task: its MC x NC tiles stay in L1/L2
NU = 32     # a panel's columns are computed in multiples of NU (4 AVX-512 vectors of float64)
# Multiply-adds from which a product runs on threads, one task per row group (``_tasks``):
# every blocked product of the medium size (1M-12.8M), where one thread cannot match NumPy's
# two on an idle 2-core machine. Medium step, 2 threads against 1 (side by side, no NumPy
# in between): 1.55x float64, 1.34x float32 (from 2^22: 1.3-1.5x); with 1 or 2 processes
# spinning on the cores, 1.01-1.14x.
PARALLEL_MIN_WORK = 1 << 20


@jit(inline=True)
def scratch_length(n_r, n_t, n_s):
    """Scratch numbers ``gemm`` needs for C (n_r, n_s) += L (n_r, n_t) R (n_t, n_s)."""
    return n_t * -(-n_s // NC) * NC + -(-n_r // MC) * MC * NC


@jit(inline=True)
def padded_work(n_r, n_t, n_s, rows_contiguous):
    """Cost of ``gemm`` in multiply-adds: its product, with the last panel padded to a
    multiple of NU columns, plus packing R, which costs about as much as 4 multiply-adds a
    number when the rows of R are contiguous (``rows_contiguous``) and 24 when it is a
    transposed view (measured, both dtypes)."""
    packing = 4 if rows_contiguous else 24
    return n_r * n_t * ((n_s + NU - 1) // NU) * NU + packing * n_t * n_s


@jit(inline=True)
def copy_tile(Bp, o, R, t0, s0):
    """Bp[o + t NC + s] = r_{t0+t, s0+s} for t, s = 0..7, unrolled: as a loop, LLVM would
    vectorise it with scatters, several times slower on this strided copy."""
    for t in range(8):
        for s in range(8):
            Bp[o + t * NC + s] = R[t0 + t, s0 + s]


@jit(fast=True)
def pack_panels(Bp, R):
    """Bp[q NC n_t + t NC + s'] = r_{t, q NC + s'}, zero where q NC + s' >= n_s.

    A row-major R (A_prev, dZ) is copied row by row. A transposed view (A_prev^T) is copied
    in 8 x 8 tiles, so that the 8 rows read and the 8 rows written stay in L1 even when
    their stride is a multiple of 1 KiB, which maps them all to a few cache sets (row by row:
    5x slower).
    """
    n_t, n_s = R.shape
    by_rows = R.strides[1] <= R.strides[0]
    for q in range((n_s + NC - 1) // NC):
        width = min(NC, n_s - q * NC)
        base = q * NC * n_t
        if by_rows:
            for t in range(n_t):
                for s in range(width):
                    Bp[base + t * NC + s] = R[t, q * NC + s]
        else:
            for s0 in range(0, width, 8):
                for t0 in range(0, n_t, 8):
                    if s0 + 8 <= width and t0 + 8 <= n_t:
                        copy_tile(Bp, base + t0 * NC + s0, R, t0, q * NC + s0)
                    else:
                        for t in range(t0, min(t0 + 8, n_t)):
                            for s in range(s0, min(s0 + 8, width)):
                                Bp[base + t * NC + s] = R[t, q * NC + s]
        for t in range(n_t):
            for s in range(width, NC):
                Bp[base + t * NC + s] = 0


@jit(fast=True, inline=True)
def panel(T, L, r, t0, kc, B, nc):
    """t_{a,s} += Σ_{0 <= u < kc} l_{r+a, t0+u} b_{u,s} for a = 0..3, s < nc <= NC.

    T holds 4 rows of NC, B is a panel block of kc rows of NC (both flat, row-major). Rows of L
    past its last are read as its last row: their sums are computed and never stored.
    """
    n_r = L.shape[0]
    r0, r1, r2, r3 = r, min(r + 1, n_r - 1), min(r + 2, n_r - 1), min(r + 3, n_r - 1)
    u = 0  # counts up from 0, so that LLVM sees every index below is >= 0 (no wraparound)
    while u + 4 <= kc:
        t = t0 + u
        l00, l01, l02, l03 = L[r0, t], L[r0, t + 1], L[r0, t + 2], L[r0, t + 3]
        l10, l11, l12, l13 = L[r1, t], L[r1, t + 1], L[r1, t + 2], L[r1, t + 3]
        l20, l21, l22, l23 = L[r2, t], L[r2, t + 1], L[r2, t + 2], L[r2, t + 3]
        l30, l31, l32, l33 = L[r3, t], L[r3, t + 1], L[r3, t + 2], L[r3, t + 3]
        o = u * NC
        for s in range(nc):
            b0, b1, b2, b3 = B[o + s], B[o + NC + s], B[o + 2 * NC + s], B[o + 3 * NC + s]
            T[s] += l00 * b0 + l01 * b1 + l02 * b2 + l03 * b3
            T[NC + s] += l10 * b0 + l11 * b1 + l12 * b2 + l13 * b3
            T[2 * NC + s] += l20 * b0 + l21 * b1 + l22 * b2 + l23 * b3
            T[3 * NC + s] += l30 * b0 + l31 * b1 + l32 * b2 + l33 * b3
        u += 4
    while u < kc:  # the last kc % 4 terms, one at a time
        t = t0 + u
        l0, l1, l2, l3 = L[r0, t], L[r1, t], L[r2, t], L[r3, t]
        o = u * NC
        for s in range(nc):
            b = B[o + s]
            T[s] += l0 * b
            T[NC + s] += l1 * b
            T[2 * NC + s] += l2 * b
            T[3 * NC + s] += l3 * b
        u += 1


@jit(fast=True, inline=True)
def add_tile(C, T, r, c, rows, width):
    """c_{r+a,c+s} += t_{a,s} for a < rows, s < width (T holds rows of NC), along whichever
    index of C is contiguous in memory."""
    if C.strides[1] <= C.strides[0]:  # row-major C: add along its rows
        for a in range(rows):
            for s in range(width):
                C[r + a, c + s] += T[a * NC + s]
    else:  # a transposed view (dW^T): add along its columns
        for s in range(width):
            for a in range(rows):
                C[r + a, c + s] += T[a * NC + s]


@jit(fast=True)
def row_group(C, L, Bp, T, r):
    """Rows r..r+MC-1 of C (fewer at the bottom) += their products, one panel at a time.

    T is this group's MC x NC tile; Bp the packed panels of R.
    """
    n_r, n_t = L.shape
    n_s = C.shape[1]
    rows = min(MC, n_r - r)
    for q in range((n_s + NC - 1) // NC):
        width = min(NC, n_s - q * NC)
        nc = (width + NU - 1) // NU * NU  # a narrow last panel is computed only as wide as it is
        for i in range(MC * NC):
            T[i] = 0
        for t0 in range(0, n_t, KC):
            kc = min(KC, n_t - t0)
            block = Bp[q * NC * n_t + t0 * NC:q * NC * n_t + (t0 + kc) * NC]
            for a in range(0, rows, MR):
                if nc == NC:  # a compile-time width: LLVM vectorises it better (measured 1.4x)
                    panel(T[a * NC:(a + MR) * NC], L, r + a, t0, kc, block, NC)
                else:
                    panel(T[a * NC:(a + MR) * NC], L, r + a, t0, kc, block, nc)
        # C comes strided (one compiled row_group for every layout); typed by its order
        # again, the additions vectorise (through the strides: 4-7% of a wide product).
        if is_c_ordered(C):  # Z, dA_prev, dW
            add_tile(c_ordered(C), T, r, q * NC, rows, width)
        elif is_c_ordered(C.T):  # dW^T
            add_tile(c_ordered(C.T).T, T, r, q * NC, rows, width)
        else:
            add_tile(C, T, r, q * NC, rows, width)


@jit(inline=True)
def gemm(C, L, R, scratch):
    """c_{r,s} += Σ_t l_{r,t} r_{t,s}, i.e. C += L R. Accumulates into C.

    C, L and R may be any strided views (W.T, A_prev.T, dW.T); ``scratch`` holds at least
    ``scratch_length(n_r, n_t, n_s)`` numbers: the packed panels of R, then one tile per group.
    Inlined into each caller, which packs R in its own layout (a C-ordered R is copied with
    vector loads: 3.6x faster in float32 than through its strides) and passes C and L on as
    strided arrays (``_views``): ``panel`` reads L one number at a time in any layout, and
    ``row_group`` adds into C by its order. So ``packed_gemm`` compiles once per dtype
    instead of once per combination of the three layouts (4), each copy seconds of LLVM
    on first use. A C-ordered R of NC columns (a batch of 128 examples: A_prev, dZ) already
    lies as its one panel and is read where it is: packing it, on one thread while the
    others wait, was 5% of the samples in a profile of the medium step (its forward
    propagation: 425 -> 330-380 µs on two threads).
    """
    n_t, n_s = R.shape
    panels = n_t * ((n_s + NC - 1) // NC) * NC
    if n_s == NC and is_c_ordered(R):   # R's rows lie NC apart already: R is its own panel
        Bp = flat(R)
    else:
        Bp = scratch[:panels]
        pack_panels(Bp, R)
    packed_gemm(strided(C), strided(L), Bp, scratch[panels:])


@jit(fast=True, parallel=True)
def packed_gemm(C, L, Bp, tiles):
    """C += L R, where R is packed in Bp (``pack_panels``); ``tiles`` holds one tile of
    MC x NC numbers per group of MC rows of C."""
    n_r = L.shape[0]
    n_t, n_s = L.shape[1], C.shape[1]
    groups = (n_r + MC - 1) // MC
    if n_r * n_t * n_s >= PARALLEL_MIN_WORK and groups > 1:
        previous = set_chunksize(1)  # one task per group: a stalled thread holds up one group
        for g in prange(groups):
            row_group(C, L, Bp, tiles[g * MC * NC:(g + 1) * MC * NC], g * MC)
        set_chunksize(previous)
    else:
        for g in range(groups):
            row_group(C, L, Bp, tiles[g * MC * NC:(g + 1) * MC * NC], g * MC)

"""C += L R, the product behind the three matrix equations of a layer (see ``blocked.py``).

    c_{r,s} += Σ_t l_{r,t} r_{t,s}                                              (``gemm``)

computed in the BLIS design around the register tile of ``tiles.py``: MR x NR numbers of C
held in vector registers while t runs over a block of KC terms, the vectors along s.

- Panels of R: the tile reads NR consecutive numbers of a row of R per term. A C-ordered R
  (A_prev, dZ) is read where it lies, except for its last, narrower panel, which is copied
  and padded with zeros to NR columns; a transposed view (A_prev^T) is copied whole into
  panels of NR columns, t-major (``pack_panels``).
- Blocks of L: the tile broadcasts l_{r+a,t} for its MR rows a, term by term. A transposed
  L (W^T in dA_prev) has no contiguous rows, so where a tile's MR x KC block of it serves
  several tiles along s it is first copied term-major (``pack_rows``): read in place, every
  term is a cache line of its own, read again for every tile along s.
- Edges: a tile that would reach past C's last row or column, or any tile of a C whose rows
  are not contiguous, is computed into a tile of scratch and added to C from there
  (``add_edge_tile``); rows of L past its last are read as its last.
- Cache blocking: t runs in blocks of KC and s in blocks of SC, so that the block of R the
  tiles read (KC x SC numbers, 512 KiB) stays in L2 while the tiles of a row block pass
  over it, and each tile's MR x KC numbers of L stay in L1 while it goes along s.
- Threads: the tiles of C are independent and each output is summed by one tile in one
  order (t ascending), so C is bitwise the same for any thread count and any grouping.
  Groups of tiles go to threads one task each (``threaded_groups``), from
  ``PARALLEL_MIN_WORK`` multiply-adds (below, one thread is faster), once ``use_threads``
  has compiled that loop: until then, and with NUMBA_DISABLE_JIT, on one thread.

The sums differ from the reference loops by rounding only (fused multiply-adds, and C's
previous value added first or, at the edges, last).
"""
import numpy as np
from numba import prange
from numba.core import config, types
from numba.np.numpy_support import from_dtype

from ffnn_numba import layout

from ._cells import cell, cell_name, read_dtype_cell
from ._jit import jit
from ._tasks import set_chunksize
from ._views import strided
from .calls import address_of, call_compiled
from .tiles import add_tile_product, tile_shape

# Columns of the widest tile (NR divides it on every target): the unit in which
# ``scratch_length`` and ``layout.scratch_size`` count the packed panels.
NC = 32
MC = 32     # ``scratch_length`` keeps MC (NC + KC) numbers per MC rows of C for the groups
KC = 256    # terms per block of t
SC = 256    # columns per block of s: KC x SC float64 numbers = 512 KiB, in L2
GROUPS = 8  # at most this many tasks per product (two row tiles, or one panel, at least)
# Multiply-adds from which a product runs on threads, one task per group of tiles: every
# blocked product of the medium size (1M-12.8M), where one thread cannot match NumPy's two
# on an idle 2-core machine.
PARALLEL_MIN_WORK = 1 << 20


@jit(inline=True)
def scratch_length(n_r, n_t, n_s):
    """Scratch numbers ``gemm`` needs for C (n_r, n_s) += L (n_r, n_t) R (n_t, n_s): the
    packed panels of R, then for each group of tiles an edge tile and a tile's block of L."""
    return n_t * -(-n_s // NC) * NC + -(-n_r // MC) * MC * (NC + KC)


@jit(inline=True)
def copy_tile(Bp, o, width, R, t0, s0):
    """Bp[o + t width + s] = r_{t0+t, s0+s} for t, s = 0..7, unrolled: as a loop, LLVM would
    vectorise it with scatters, several times slower on this strided copy."""
    for t in range(8):
        for s in range(8):
            Bp[o + t * width + s] = R[t0 + t, s0 + s]


@jit(fast=True)
def pack_panels(Bp, R, q0, q1, first):
    """Bp[(q - first) NR n_t + t NR + s'] = r_{t, q NR + s'} for panels q0 <= q < q1, zero
    where q NR + s' >= n_s. Overwrites those panels of Bp.

    A row-major R is copied row by row. A transposed view (A_prev^T) is copied in 8 x 8
    tiles, so that the 8 rows read and the 8 rows written stay in L1 even when their stride
    is a multiple of 1 KiB, which maps them all to a few cache sets (row by row: 5x slower).
    """
    n_t, n_s = R.shape
    width = tile_shape(R)[1]
    by_rows = R.strides[1] <= R.strides[0]
    for q in range(q0, q1):
        s0, base = q * width, (q - first) * width * n_t
        filled = min(width, n_s - s0)
        if by_rows:
            for t in range(n_t):
                for s in range(filled):
                    Bp[base + t * width + s] = R[t, s0 + s]
        else:
            for s8 in range(0, filled, 8):
                for t8 in range(0, n_t, 8):
                    if s8 + 8 <= filled and t8 + 8 <= n_t:
                        copy_tile(Bp, base + t8 * width + s8, width, R, t8, s0 + s8)
                    else:
                        for t in range(t8, min(t8 + 8, n_t)):
                            for s in range(s8, min(s8 + 8, filled)):
                                Bp[base + t * width + s] = R[t, s0 + s]
        for t in range(n_t):
            for s in range(filled, width):
                Bp[base + t * width + s] = 0


@jit(fast=True, inline=True)
def add_edge_tile(C, T, r, s, rows, columns, overwrite):
    """c_{r+a,s+s'} (+)= t_{a,s'} for a < rows, s' < columns (``overwrite``: =), along
    whichever index of C is contiguous in memory."""
    if C.strides[1] <= C.strides[0]:
        for a in range(rows):
            for k in range(columns):
                C[r + a, s + k] = T[a, k] if overwrite else C[r + a, s + k] + T[a, k]
    else:   # a transposed view: along its columns
        for k in range(columns):
            for a in range(rows):
                C[r + a, s + k] = T[a, k] if overwrite else C[r + a, s + k] + T[a, k]


@jit(fast=True, inline=True)
def tile(C, T, r, s, L, rl, tl, B, t, sb, kc, whole, overwrite):
    """Tile (r, s) of C (+)= Σ_{u<kc} l_{rl+a, tl+u} b_{t+u, sb+s'}: in place where ``whole``
    (inside C, whose rows are contiguous), else through the edge tile T, which the product
    overwrites whole."""
    if whole:
        add_tile_product(C, r, s, L, rl, tl, B, t, sb, kc, overwrite)
    else:
        add_tile_product(T, 0, 0, L, rl, tl, B, t, sb, kc, True)
        add_edge_tile(C, T, r, s, min(T.shape[0], C.shape[0] - r),
                      min(T.shape[1], C.shape[1] - s), overwrite)


@jit(fast=True, inline=True)
def pack_rows(Ap, L, r, t0, kc, rows):
    """Ap[u rows + a] = l_{min(r+a, n_r-1), t0+u} for u < kc, a < rows: a tile's block of a
    transposed L (W^T), whose rows are not contiguous, copied so that the tile reads it
    from one run of memory instead of kc rows of W, as many cache lines."""
    last = L.shape[0] - 1
    if r + rows <= L.shape[0]:   # no row past the last: a copy LLVM can vectorise
        for u in range(kc):
            for a in range(rows):
                Ap[u * rows + a] = L[r + a, t0 + u]
    else:
        for u in range(kc):
            for a in range(rows):
                Ap[u * rows + a] = L[min(r + a, last), t0 + u]


@jit(fast=True)
def row_group(C, L, R, Bp, T, Ap, r0, r1, q0, q1, first, pack, overwrite):
    """Rows r0..r1-1 and panels q0..q1-1 of C (+)= their products, tile by tile (with
    ``overwrite``, the first block of terms overwrites C). Panels
    q >= ``first`` of R are read from Bp (``pack_panels``; with ``pack``, this group's are
    packed here first), the others where they lie. T: the group's edge tile; Ap: room for a
    tile's block of L (``pack_rows``)."""
    n_r, n_t = L.shape
    n_s = C.shape[1]
    rows, columns = tile_shape(C)
    if pack:
        pack_panels(Bp, R, q0, q1, first)
    rows_contiguous = C.strides[1] == C.itemsize
    s_end = min(q1 * columns, n_s)
    # A transposed L is copied where its block serves several tiles along s; for one, the
    # copy would read the same cache lines as the tile does.
    l_in_place = L.strides[1] == L.itemsize or s_end - q0 * columns <= columns
    for s_block in range(q0 * columns, s_end, SC):
        for t0 in range(0, n_t, KC):
            kc = min(KC, n_t - t0)
            for r in range(r0, r1, rows):
                Lt, rl, tl = L, r, t0
                if not l_in_place:
                    pack_rows(Ap, L, r, t0, kc, rows)
                    Lt, rl, tl = strided(layout.matrix(Ap, 0, kc, rows).T), 0, 0
                inside = rows_contiguous and r + rows <= n_r
                for s in range(s_block, min(s_block + SC, s_end), columns):
                    q = s // columns
                    B, sb = R, s
                    if q >= first:
                        B, sb = strided(layout.matrix(Bp, (q - first) * columns * n_t, n_t,
                                                      columns)), 0
                    tile(C, T, r, s, Lt, rl, tl, B, t0, sb, kc,
                         inside and s + columns <= n_s, overwrite and t0 == 0)


@jit(inline=True)
def gemm(C, L, R, scratch, overwrite):
    """c_{r,s} (+)= Σ_t l_{r,t} r_{t,s}, i.e. C += L R, or C = L R where ``overwrite`` (C is
    then never read: no need to zero it first). Accumulates into C otherwise.

    C, L and R may be any strided views (W.T, A_prev.T, dW.T); ``scratch`` holds at least
    ``scratch_length(n_r, n_t, n_s)`` numbers: the packed panels of R, then the groups'
    rooms. The three arrays go on strided (``_views``), so that ``packed_gemm`` compiles
    once per dtype instead of once per combination of layouts; ``overwrite`` must not be a
    literal (pass ``bool(True)``), or each value would compile a ``packed_gemm`` of its own.
    """
    n_t, n_s = R.shape
    packed = n_t * -(-n_s // NC) * NC
    packed_gemm(strided(C), strided(L), strided(R), scratch[:packed], scratch[packed:],
                overwrite)


@jit(fast=True)
def packed_gemm(C, L, R, Bp, tiles, overwrite):
    """C (+)= L R (``gemm``); Bp holds R's packed panels (``pack_panels``), ``tiles`` a room
    per group: its edge tile, then a tile's block of L.

    R read in place: the groups are rows of C. R packed whole (a transposed view, A_prev^T
    in dW): the groups are panels, each packed by the thread that computes it, so that the
    copy runs on every thread too.
    """
    n_r, n_t = L.shape
    rows, columns = tile_shape(C)
    panels = -(-C.shape[1] // columns)
    room = room_length(C)
    threaded = n_r * n_t * C.shape[1] >= PARALLEL_MIN_WORK
    in_place = R.strides[1] == R.itemsize   # rows contiguous: whole panels are read there
    first = C.shape[1] // columns if in_place else 0
    by_panels = not in_place and panels > 1
    if not by_panels:   # the panels not read in place, before the groups start
        pack_panels(Bp, R, first, panels, first)
    units = panels if by_panels else -(-n_r // rows)
    # On one thread, one group: each costs a call and the set-up of its loops.
    per_group = max(1 if by_panels else 2, -(-units // GROUPS)) if threaded else units
    groups = -(-units // per_group)
    if groups > tiles.shape[0] // room:   # fewer, larger groups where the scratch is short
        groups = tiles.shape[0] // room
        per_group = -(-units // groups)
        groups = -(-units // per_group)
    if threaded and groups > 1:
        address = read_dtype_cell(THREADS, C)   # 0 until ``use_threads``
        if address != 0:
            call_compiled(address, (C, L, R, Bp, tiles, groups, per_group, by_panels, first,
                                    overwrite))
            return
    for g in range(groups):
        group(C, L, R, Bp, tiles[g * room:(g + 1) * room], g, per_group, by_panels, first,
              overwrite)


@jit(fast=True, parallel=True)
def threaded_groups(C, L, R, Bp, tiles, groups, per_group, by_panels, first, overwrite):
    """``packed_gemm``'s groups on threads, one task per group (``_tasks.set_chunksize``),
    so that a thread the scheduler takes off its core on a busy machine holds up one
    group. Called through its address (``use_threads``)."""
    room = room_length(C)
    previous = set_chunksize(1)
    for g in prange(groups):
        group(C, L, R, Bp, tiles[g * room:(g + 1) * room], g, per_group, by_panels, first,
              overwrite)
    set_chunksize(previous)


# The cell holding ``threaded_groups``' address, one per dtype (``_cells``), registered now:
# machine code loaded from the cache refers to it without being typed again.
THREADS = "ffnn_numba_threaded_groups"
for _dtype in ("float64", "float32"):
    cell(cell_name(THREADS, _dtype))


def use_threads(dtype):
    """Compile (or load from the cache) ``threaded_groups`` for ``dtype`` and let
    ``packed_gemm`` call it, so that products from ``PARALLEL_MIN_WORK`` multiply-adds on
    run on threads; until then they run on one thread, with the same results (every output
    is summed by one tile in one order). Its parallel loop costs about 2 s of compiling,
    which a network whose products never reach the threshold (the README's quickstart)
    does not pay: ``Runner`` calls this for the first batch large enough."""
    dtype = np.dtype(dtype)
    if dtype.name not in ("float64", "float32"):
        raise ValueError(f"use_threads takes float64 or float32, the dtypes the kernels are "
                         f"compiled for; got {dtype.name}")
    threads = cell(cell_name(THREADS, dtype.name))
    if threads.value == 0 and not config.DISABLE_JIT:
        number = from_dtype(dtype)
        matrix, vector = types.Array(number, 2, "A"), types.Array(number, 1, "C")
        threads.value = address_of(threaded_groups, matrix, matrix, matrix, vector, vector,
                                   types.int64, types.int64, types.boolean, types.int64,
                                   types.boolean)


@jit(inline=True)
def room_length(C):
    """Numbers of scratch each group of tiles uses (``group``): its edge tile, MR x NR, and
    a tile's block of L, MR x KC."""
    rows, columns = tile_shape(C)
    return rows * (columns + KC)


@jit(inline=True)
def group(C, L, R, Bp, room, g, per_group, by_panels, first, overwrite):
    """``row_group`` for group g: its panels (``by_panels``) or rows of C, with its edge tile
    and block of L in ``room`` (``room_length``)."""
    rows, columns = tile_shape(C)
    n_r, panels = L.shape[0], -(-C.shape[1] // columns)
    r0, r1, q0, q1 = 0, n_r, 0, panels
    if by_panels:
        q0, q1 = g * per_group, min(panels, (g + 1) * per_group)
    else:
        r0, r1 = g * per_group * rows, min(n_r, (g + 1) * per_group * rows)
    row_group(C, L, R, Bp, layout.matrix(room, 0, rows, columns), room[rows * columns:],
              r0, r1, q0, q1, first, by_panels, overwrite)

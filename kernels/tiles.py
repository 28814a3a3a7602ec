"""The register tile of ``gemm``: MR x NR numbers of C held in vector registers for a whole
block of terms, the micro-kernel of the BLIS design.

Index letters (those of ``gemm``): r row of C and L, s column of C and R, t the summed index;
a < MR and s' < NR the position in a tile, u < kc the term in a block.

    c_{r+a, s+s'} += Σ_{u < kc} l_{r+a, t+u} r_{t+u, s+s'}                  ``add_tile_product``

Each output is one lane of one vector accumulator, summed over u in ascending order, so the
result does not depend on how the tiles are shared among threads. Per term u: NR/VL vector
loads of a row of R, MR broadcasts of l_{r+a, t0+u}, MR x NR/VL fused multiply-adds.

Written as an intrinsic (LLVM vector types, Numba's documented fallback for code its loops
cannot express) because Numba runs LLVM's loop vectoriser and not its SLP vectoriser: a tile
of scalar accumulators stays scalar, and a tile in memory is loaded and stored once per term
(the previous ``gemm``: 4 tile loads and stores per 16 multiply-adds). Here the accumulators
are registers from the first term to the last.

Tile shapes (``TILES``), measured one thread against OpenBLAS at 1024 x 1024 x 256,
128 x 784 x 128, 64 x 64 x 32 and 32 x 64 x 32 (``bench/PROFILES.md``): AVX-512 (32 vector
registers) float64 4 x 32 (16 accumulators), float32 12 x 32 (24); 256-bit vectors (AVX2,
16 registers) 6 x 8 and 6 x 16 (12). Wider tiles waste columns at a batch of 32, and more
accumulators spill.
"""
import numpy as np
from llvmlite import binding, ir
from numba.core import cgutils, config, types
from numba.extending import intrinsic


def _vector_bits():
    """Width of the vector registers Numba compiles for: 512 with AVX-512, else 256."""
    features = config.CPU_FEATURES
    if features is None:
        features = binding.get_host_cpu_features().flatten()
    return 512 if "+avx512f" in features.split(",") else 256


VECTOR_BITS = _vector_bits()
# dtype name: (MR rows, vectors per row of the tile); NR = vectors x numbers per vector.
TILES = ({"float64": (4, 4), "float32": (12, 2)} if VECTOR_BITS == 512
         else {"float64": (6, 2), "float32": (6, 2)})


def tile_shape_of(dtype):
    """(MR, NR, VL): rows and columns of the tile, numbers per vector, for ``dtype``."""
    dtype = np.dtype(dtype)
    rows, vectors = TILES[dtype.name]
    per_vector = VECTOR_BITS // (8 * dtype.itemsize)
    return rows, vectors * per_vector, per_vector


@intrinsic
def tile_shape(typingctx, array):
    """(MR, NR) of the tile for the dtype of ``array``, as compile-time constants."""
    if not isinstance(array, types.Array):
        return None
    rows, columns, _ = tile_shape_of(str(array.dtype))

    def codegen(context, builder, signature, args):
        return context.make_tuple(builder, signature.return_type,
                                  [context.get_constant(types.intp, rows),
                                   context.get_constant(types.intp, columns)])
    return types.UniTuple(types.intp, 2)(array), codegen


def _address(builder, array, row, column):
    """i8* to array[row, column] of a 2-D array struct, from its byte strides."""
    row_stride, column_stride = cgutils.unpack_tuple(builder, array.strides, 2)
    offset = builder.add(builder.mul(row, row_stride), builder.mul(column, column_stride))
    return builder.gep(builder.bitcast(array.data, ir.IntType(8).as_pointer()), [offset])


def _tile_codegen(context, builder, signature, args, rows, vectors, per_vector):
    number = signature.args[0].dtype
    C, L, R = (context.make_array(signature.args[k])(context, builder, args[k])
               for k in (0, 3, 6))
    rc, sc, rl, tl, tr, sr, kc = (context.cast(builder, args[k], signature.args[k], types.intp)
                                  for k in (1, 2, 4, 5, 7, 8, 9))
    overwrite = context.cast(builder, args[10], signature.args[10], types.boolean)
    scalar = context.get_value_type(number)
    vector = ir.VectorType(scalar, per_vector)
    size = context.get_abi_sizeof(scalar)
    intp = context.get_value_type(types.intp)
    c_row_stride = cgutils.unpack_tuple(builder, C.strides, 2)[0]
    l_column_stride = cgutils.unpack_tuple(builder, L.strides, 2)[1]
    r_row_stride = cgutils.unpack_tuple(builder, R.strides, 2)[0]
    last_row = builder.sub(cgutils.unpack_tuple(builder, L.shape, 2)[0], intp(1))
    l_rows = []
    for a in range(rows):   # rows past L's last are read as its last (their sums are dropped)
        row = builder.add(rl, intp(a))
        row = builder.select(builder.icmp_signed("<", row, last_row), row, last_row)
        l_rows.append(_address(builder, L, row, tl))
    r_first = _address(builder, R, tr, sr)
    c_first = _address(builder, C, rc, sc)

    def vector_at(base, offset):
        return builder.bitcast(builder.gep(base, [offset]), vector.as_pointer())

    c_vectors = [[vector_at(c_first, builder.add(builder.mul(intp(a), c_row_stride),
                                                 intp(v * per_vector * size)))
                  for v in range(vectors)] for a in range(rows)]
    # Accumulators in allocas, which LLVM's mem2reg turns into registers.
    sums = [[cgutils.alloca_once(builder, vector) for _ in range(vectors)] for _ in range(rows)]
    with builder.if_else(overwrite) as (start_at_zero, start_at_C):
        with start_at_zero:   # C is not read at all: it may hold anything
            for a in range(rows):
                for v in range(vectors):
                    builder.store(ir.Constant(vector, None), sums[a][v])
        with start_at_C:
            for a in range(rows):
                for v in range(vectors):
                    builder.store(builder.load(c_vectors[a][v], align=size), sums[a][v])
    undefined = ir.Constant(vector, ir.Undefined)
    lane_zero = ir.Constant(ir.VectorType(ir.IntType(32), per_vector), [0] * per_vector)
    with cgutils.for_range(builder, kc) as loop:
        r_row = builder.gep(r_first, [builder.mul(loop.index, r_row_stride)])
        r_values = [builder.load(vector_at(r_row, intp(v * per_vector * size)), align=size)
                    for v in range(vectors)]
        for a in range(rows):
            pointer = builder.gep(l_rows[a], [builder.mul(loop.index, l_column_stride)])
            l_value = builder.load(builder.bitcast(pointer, scalar.as_pointer()))
            broadcast = builder.shuffle_vector(
                builder.insert_element(undefined, l_value, ir.IntType(32)(0)), undefined,
                lane_zero)
            for v in range(vectors):
                product = builder.fmul(broadcast, r_values[v], flags=("contract",))
                total = builder.fadd(builder.load(sums[a][v]), product, flags=("contract",))
                builder.store(total, sums[a][v])
    for a in range(rows):
        for v in range(vectors):
            builder.store(builder.load(sums[a][v]), c_vectors[a][v], align=size)
    return context.get_dummy_value()


@intrinsic
def add_tile_product(typingctx, C, rc, sc, L, rl, tl, R, tr, sr, kc, overwrite):
    """c_{rc+a, sc+s'} (+)= Σ_{u<kc} l_{rl+a, tl+u} r_{tr+u, sr+s'} for a < MR, s' < NR
    (``tile_shape``). Accumulates into C, or overwrites it where ``overwrite``.

    C and R must have contiguous rows, and the tile must lie inside both (the caller checks);
    L may have any strides, and its rows from its last on are read as its last.
    """
    arrays = (C, L, R)
    if not (all(isinstance(x, types.Array) and x.ndim == 2 for x in arrays)
            and len({x.dtype for x in arrays}) == 1):
        return None
    rows, columns, per_vector = tile_shape_of(str(C.dtype))

    def codegen(context, builder, signature, args):
        return _tile_codegen(context, builder, signature, args, rows, columns // per_vector,
                             per_vector)
    return types.none(C, rc, sc, L, rl, tl, R, tr, sr, kc, overwrite), codegen


if config.DISABLE_JIT:
    def tile_shape(array):   # noqa: F811 - plain Python
        """Plain Python (NUMBA_DISABLE_JIT=1): (MR, NR) for ``array``'s dtype."""
        return tile_shape_of(array.dtype)[:2]

    def add_tile_product(C, rc, sc, L, rl, tl, R, tr, sr, kc, overwrite):   # noqa: F811
        """Plain Python (NUMBA_DISABLE_JIT=1): the same sums, by NumPy."""
        rows, columns, _ = tile_shape_of(C.dtype)
        l_rows = np.minimum(np.arange(rl, rl + rows), L.shape[0] - 1)
        product = L[l_rows, tl:tl + kc] @ R[tr:tr + kc, sr:sr + columns]
        if overwrite:
            C[rc:rc + rows, sc:sc + columns] = product
        else:
            C[rc:rc + rows, sc:sc + columns] += product

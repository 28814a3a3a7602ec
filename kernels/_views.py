"""Arrays retyped by layout, so that a kernel compiles once for arrays of every layout.

Numba compiles a kernel once per combination of argument types, and a C-ordered array, a
Fortran-ordered one (a transposed view: W.T, A_prev.T, dW.T) and any other strided view are
three types. ``gemm`` is called with four such combinations, and each compiled copy of its
kernel costs seconds of LLVM on first use, repeated in every kernel that calls it.

``strided``: the same array typed "A" (read through its strides, as an "A" array always is),
so that every call has the one type. ``c_ordered``: the same array typed "C" again, after
``is_c_ordered`` has checked that it is, where a loop needs the layout to vectorise.
``flat``: a C-ordered 2-D array as the 1-D array of its numbers, where ``reshape`` would
compile its checks of the new shape into every caller (2 s of a cold start, in ``gemm``).
``layout.matrix`` (the views W^[l], b^[l] and the node blocks of the flat buffers): likewise
made directly in compiled code, where reshape also called into Numba's runtime.
"""
from numba.core import cgutils, config, types
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array, populate_array

from ffnn_numba import layout

from ._jit import jit


@intrinsic
def strided(typingctx, a):
    """The array ``a`` itself, typed with layout "A" (an array's data, shape and strides are
    stored alike in every layout, so nothing is copied or converted)."""
    if not isinstance(a, types.Array):
        return None

    def codegen(context, builder, signature, args):
        return impl_ret_borrowed(context, builder, signature.return_type, args[0])
    return a.copy(layout="A")(a), codegen


@intrinsic
def c_ordered(typingctx, a):
    """The array ``a`` typed as C-ordered (layout "C"), for a caller that has checked that it
    is (``is_c_ordered``): compiled code then indexes it from its shape, and LLVM can prove
    that neighbouring columns lie next to each other, as it must to vectorise a loop."""
    if not isinstance(a, types.Array):
        return None

    def codegen(context, builder, signature, args):
        return impl_ret_borrowed(context, builder, signature.return_type, args[0])
    return a.copy(layout="C")(a), codegen


def _view(context, builder, source, result, data, shape, strides):
    """Code for an array of type ``result`` over the memory of the array ``source`` (same
    owner, so it keeps it alive): ``data`` its first number, ``shape`` and ``strides`` lists
    of LLVM values."""
    out = make_array(result)(context, builder)
    populate_array(out, data=data, shape=cgutils.pack_array(builder, shape),
                   strides=cgutils.pack_array(builder, strides), itemsize=source.itemsize,
                   meminfo=source.meminfo, parent=source.parent)
    return impl_ret_borrowed(context, builder, result, out._getvalue())


@intrinsic
def flat(typingctx, a):
    """The 2-D array ``a``, C-ordered (``is_c_ordered``), as a 1-D array of its a.size numbers
    in the same memory (the caller has checked the order; nothing is copied)."""
    if not (isinstance(a, types.Array) and a.ndim == 2):
        return None
    result = a.copy(ndim=1, layout="C")

    def codegen(context, builder, signature, args):
        source = make_array(signature.args[0])(context, builder, args[0])
        rows, columns = cgutils.unpack_tuple(builder, source.shape, 2)
        return _view(context, builder, source, result, source.data,
                     [builder.mul(rows, columns)], [source.itemsize])
    return result(a), codegen


@intrinsic
def block(typingctx, buffer, start, rows, columns):
    """buffer[start:start + rows columns] of the 1-D C-ordered ``buffer`` as a C-ordered
    (rows, columns) array in the same memory (the caller keeps it within the buffer)."""
    if not (isinstance(buffer, types.Array) and buffer.ndim == 1 and buffer.layout == "C"):
        return None
    result = buffer.copy(ndim=2, layout="C")

    def codegen(context, builder, signature, args):
        source = make_array(signature.args[0])(context, builder, args[0])
        start, rows, columns = (context.cast(builder, value, kind, types.intp) for value, kind
                                in zip(args[1:], signature.args[1:]))
        return _view(context, builder, source, result, builder.gep(source.data, [start]),
                     [rows, columns], [builder.mul(columns, source.itemsize), source.itemsize])
    return result(buffer, start, rows, columns), codegen


@overload(layout.matrix)
def _matrix(buffer, start, rows, columns):
    """``layout.matrix`` in compiled code: ``block`` for the flat buffers (1-D, C-ordered),
    reshape for anything else."""
    if isinstance(buffer, types.Array) and buffer.ndim == 1 and buffer.layout == "C":
        return lambda buffer, start, rows, columns: block(buffer, start, rows, columns)
    return lambda buffer, start, rows, columns: buffer[start:start + rows * columns].reshape(
        (rows, columns))


@jit(inline=True)
def is_c_ordered(a):
    """Whether the 2-D ``a`` lies in memory as a C-ordered array of its shape."""
    n, m = a.shape
    return (m <= 1 or a.strides[1] == a.itemsize) and (n <= 1 or a.strides[0] == m * a.itemsize)


if config.DISABLE_JIT:
    def strided(a):   # noqa: F811 - plain Python: NumPy arrays have no layout types
        """Plain Python (NUMBA_DISABLE_JIT=1): ``a`` itself."""
        return a

    def c_ordered(a):   # noqa: F811
        """Plain Python (NUMBA_DISABLE_JIT=1): ``a`` itself."""
        return a

    def flat(a):   # noqa: F811
        """Plain Python (NUMBA_DISABLE_JIT=1): ``a`` as 1-D, a view."""
        return a.reshape(a.size)

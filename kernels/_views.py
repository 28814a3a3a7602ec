"""``strided``: an array retyped as a strided array of any layout (Numba's layout "A").

Numba compiles a kernel once per combination of argument types, and a C-ordered array, a
Fortran-ordered one (a transposed view: W.T, A_prev.T, dW.T) and any other strided view are
three types. ``gemm`` is called with four such combinations, and each compiled copy of it
(with its packing and its panels) costs seconds of LLVM on first use, repeated in every
kernel that calls it. Passed through ``strided``, every call has the one type "A": the
same arrays, read through their strides, as an "A" array always is.
"""
from numba.core import config, types
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic


@intrinsic
def strided(typingctx, a):
    """The array ``a`` itself, typed with layout "A" (an array's data, shape and strides are
    stored alike in every layout, so nothing is copied or converted)."""
    if not isinstance(a, types.Array):
        return None

    def codegen(context, builder, signature, args):
        return impl_ret_borrowed(context, builder, signature.return_type, args[0])
    return a.copy(layout="A")(a), codegen


if config.DISABLE_JIT:
    def strided(a):   # noqa: F811 - plain Python: NumPy arrays have no layout types
        """Plain Python (NUMBA_DISABLE_JIT=1): ``a`` itself."""
        return a

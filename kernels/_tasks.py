"""How a ``prange`` loop is cut into tasks: one iteration per task (``set_chunksize(1)``).

By default Numba cuts a ``prange`` loop into one chunk per thread. On a busy machine the
scheduler may take a thread off its core while it holds its chunk, and every other thread
then waits for the whole of it. Cut into one task per iteration, idle threads take over
every task the stalled one has not started, so a stall costs at most one task.

``numba.set_parallel_chunksize`` would do this, but compiled code calls it through a
ctypes pointer, which the on-disk cache cannot store. Here the same runtime function is
called by its symbol name, as Numba's own parallel loops call it, which caches.
"""
from llvmlite import ir
from numba.core import cgutils, config, types
from numba.extending import intrinsic


@intrinsic
def set_chunksize(typingctx, n):
    """Numba's parallel chunk size of this thread becomes ``n`` (0: one chunk per thread,
    the default); returns the previous one. Only for functions with a ``prange`` loop of
    their own, whose compilation starts Numba's thread pool and its runtime symbols."""
    def codegen(context, builder, signature, args):
        uintp = context.get_value_type(types.uintp)
        get = cgutils.get_or_insert_function(builder.module, ir.FunctionType(uintp, []),
                                             "get_parallel_chunksize")
        put = cgutils.get_or_insert_function(builder.module,
                                             ir.FunctionType(ir.VoidType(), [uintp]),
                                             "set_parallel_chunksize")
        previous = builder.call(get, [])
        builder.call(put, [context.cast(builder, args[0], signature.args[0], types.uintp)])
        return previous
    return types.uintp(n), codegen


if config.DISABLE_JIT:
    def set_chunksize(n):   # noqa: F811 - plain Python runs prange serially: no tasks to cut
        """Plain Python (NUMBA_DISABLE_JIT=1): a no-op that reports the default, 0."""
        return 0

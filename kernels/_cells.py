"""Named int64 cells that Python writes and compiled code reads, each a symbol of this process.

Compiled code refers to a cell by its symbol name (an external LLVM global), which Numba's
JIT linker resolves in every process, so that cached machine code stays valid; Python
registers the symbol (``llvmlite.binding.add_symbol``) when this module is imported,
before any kernel that reads it is compiled or loaded. ``gemm`` keeps the address of its
threaded loop in one per dtype, 0 until that loop is compiled (``gemm.use_threads``).
"""
import ctypes

from llvmlite import binding, ir
from numba.core import config, types
from numba.core.errors import TypingError
from numba.extending import intrinsic

_CELLS = {}


def cell(name):
    """The ctypes int64 of the cell ``name``, made and registered on first use."""
    if name not in _CELLS:
        _CELLS[name] = ctypes.c_int64(0)
        binding.add_symbol(name, ctypes.addressof(_CELLS[name]))
    return _CELLS[name]


@intrinsic
def read_dtype_cell(typingctx, prefix, array):
    """The value of the cell ``prefix + "_" + dtype name`` of ``array`` (``cell_name``)."""
    if not (isinstance(prefix, types.StringLiteral) and isinstance(array, types.Array)):
        raise TypingError("read_dtype_cell takes a literal prefix and an array")
    name = cell_name(prefix.literal_value, str(array.dtype))
    cell(name)

    def codegen(context, builder, signature, args):
        return _load(builder, name)
    return types.int64(prefix, array), codegen


def cell_name(prefix, dtype_name):
    """The symbol of the cell of ``prefix`` for one dtype."""
    return f"{prefix}_{dtype_name}"


def _load(builder, name):
    variable = builder.module.globals.get(name)
    if variable is None:
        variable = ir.GlobalVariable(builder.module, ir.IntType(64), name)
        variable.linkage = "external"
    return builder.load(variable)


if config.DISABLE_JIT:
    def read_dtype_cell(prefix, array):   # noqa: F811 - plain Python
        """Plain Python (NUMBA_DISABLE_JIT=1): always 0, as nothing is compiled."""
        return 0


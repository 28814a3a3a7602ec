"""The activation, cost and update kernels a network uses, called through a table of their
addresses (``layout.Problem.kernels``), so that an engine compiles only those.

The engine dispatches on codes known only at run time (one compilation per dtype serves
every architecture), so a call written as a dispatch on the code compiles every activation,
cost and update of the registry, used or not (4.8 s of a 17.5 s cold start). Here the
network's own kernels are compiled (or loaded from the cache) from Python when its problem
is built, and the compiled engine calls each at its address. Kernels are compiled for
C-ordered, aligned, writeable arrays, the only kind the engine passes; ``call`` refuses any
other at compile time, so an address is always called with the argument types it was
compiled for.

Table, (L + 1, 3) int64: row l = 1..L holds layer l's activation, FORWARD and BACKWARD
(``activations.py`` signatures; no BACKWARD for the output layer of a fused pair); row 0
holds the COST (J from (A, Y), or from (Z, A, Y) for the fused pairs), the SEED (dJ/dA^[L]
from (dA, A, Y), or dZ^[L] = (A - Y)/m for the fused pairs, ``output_delta``) and the UPDATE
(``optimizers.py`` signature; Adam's threaded twin from ``optimizers.THREADED_FROM`` entries
of θ).
"""
import numpy as np
from llvmlite import ir
from numba.core import cgutils, config, types
from numba.core.errors import TypingError
from numba.extending import intrinsic
from numba.np.numpy_support import from_dtype

from ffnn_numba import layout, registry
from ffnn_numba.layout import ACT, BACKWARD, COST, FORWARD, SEED, UPDATE

from .activations import ACTIVATION_FUNCTIONS
from .costs import COST_FUNCTIONS, output_delta, sigmoid_cross_entropy_from_logits, \
    softmax_cross_entropy_from_logits
from .optimizers import THREADED_FROM, UPDATE_RULES, adam_update_threaded


def _checked(arguments):
    for t in arguments.types:
        if not (isinstance(t, types.Array) and t.layout == "C" and t.mutable and t.aligned):
            raise TypingError(f"calls through the kernel table take C-ordered, aligned, "
                              f"writeable arrays; got {t}")


def _call(context, builder, signature, args, returns):
    # The other backends' problems hold no table: calling one raises instead of crashing.
    with cgutils.if_unlikely(builder, cgutils.is_null(builder, args[0])):
        context.call_conv.return_user_exc(builder, ValueError, (
            "this problem has no kernel table: the loops engine takes the problem of "
            "Network.engine_arguments on the loops backend",))
    return _call_pointer(context, builder, signature, args, returns)


def _call_pointer(context, builder, signature, args, returns):
    arguments = signature.args[1]
    values = [builder.extract_value(args[1], k) for k in range(len(arguments.types))]
    function = ir.FunctionType(context.get_value_type(returns),
                               [context.get_value_type(t) for t in arguments.types])
    pointer = builder.inttoptr(args[0], function.as_pointer())
    return builder.call(pointer, values)


@intrinsic
def call(typingctx, address, arguments):
    """kernel(*arguments) for the kernel at ``address`` (a C-callable wrapper, ``table``)."""
    _checked(arguments)

    def codegen(context, builder, signature, args):
        _call(context, builder, signature, args, types.none)
        return context.get_dummy_value()
    return types.none(address, arguments), codegen


@intrinsic
def call_for_value(typingctx, address, arguments):
    """kernel(*arguments), a float64, for the kernel at ``address`` (a cost)."""
    _checked(arguments)

    def codegen(context, builder, signature, args):
        return _call(context, builder, signature, args, types.float64)
    return types.float64(address, arguments), codegen


@intrinsic
def call_compiled(typingctx, address, arguments):
    """kernel(*arguments) for the C-callable wrapper at ``address`` (non-zero) of a kernel
    compiled for exactly these argument types, of any layout: the caller guarantees both
    (``gemm.use_threads``)."""
    def codegen(context, builder, signature, args):
        _call_pointer(context, builder, signature, args, types.none)
        return context.get_dummy_value()
    return types.none(address, arguments), codegen


def address_of(kernel, *argtypes):
    """The C-callable address of ``kernel`` compiled for ``argtypes``."""
    if config.DISABLE_JIT:
        return kernel
    kernel.compile(argtypes)
    compiled = kernel.overloads[argtypes]
    return compiled.library.get_pointer_to_function(compiled.fndesc.llvm_cfunc_wrapper_name)


def table(layers, cost_code, fused, optimizer_code, dtype):
    """The (L + 1, 3) table of the kernels a network uses (module docstring), compiling
    those not compiled yet. Python callables instead of addresses with NUMBA_DISABLE_JIT."""
    number = from_dtype(np.dtype(dtype))   # the engine's arrays; an update's settings: float64
    matrix, vector = types.Array(number, 2, "C"), types.Array(number, 1, "C")
    settings = types.Array(types.float64, 1, "C")
    kernels = np.zeros((layers.shape[0], 3), object if config.DISABLE_JIT else np.int64)
    L = layers.shape[0] - 1
    for l in range(1, L + 1):
        forward, backward = ACTIVATION_FUNCTIONS[registry.ACTIVATION_NAMES[int(layers[l, ACT])]]
        kernels[l, FORWARD] = address_of(forward, matrix, matrix)
        if l < L or not fused:   # a fused pair starts backward from dZ^[L] (output_delta)
            kernels[l, BACKWARD] = address_of(backward, matrix, matrix, matrix, matrix)
    cost, seed = COST_FUNCTIONS[registry.COST_NAMES[int(cost_code)]]
    if fused:
        from_logits = (softmax_cross_entropy_from_logits
                       if cost_code == registry.CATEGORICAL_CROSS_ENTROPY
                       else sigmoid_cross_entropy_from_logits)
        kernels[0, COST] = address_of(from_logits, matrix, matrix, matrix)
        kernels[0, SEED] = address_of(output_delta, matrix, matrix, matrix)
    else:
        kernels[0, COST] = address_of(cost, matrix, matrix)
        kernels[0, SEED] = address_of(seed, matrix, matrix, matrix)
    update = UPDATE_RULES[registry.OPTIMIZER_NAMES[int(optimizer_code)]]
    if optimizer_code == registry.ADAM and layout.n_params(layers) >= THREADED_FROM:
        update = adam_update_threaded
    kernels[0, UPDATE] = address_of(update, vector, vector, matrix, settings)
    return kernels


def compile_every_kernel(dtype):
    """Compile (or load from the cache) every kernel a table of ``dtype`` may hold, for
    ``ffnn-numba compile``."""
    layers = np.array([[0, 0, -1, -1]] + [[0, 0, 0, spec.code]
                                          for spec in registry.ACTIVATIONS.values()])
    for cost in registry.COSTS.values():
        for fused in (False, True):
            for optimizer in registry.OPTIMIZERS.values():
                table(layers, cost.code, fused, optimizer, dtype)
    number = from_dtype(np.dtype(dtype))
    address_of(adam_update_threaded, types.Array(number, 1, "C"), types.Array(number, 1, "C"),
               types.Array(number, 2, "C"), types.Array(types.float64, 1, "C"))


if config.DISABLE_JIT:
    def call(kernel, arguments):   # noqa: F811 - plain Python: the table holds the functions
        """Plain Python (NUMBA_DISABLE_JIT=1): kernel(*arguments)."""
        kernel(*arguments)

    def call_for_value(kernel, arguments):   # noqa: F811
        """Plain Python (NUMBA_DISABLE_JIT=1): kernel(*arguments)."""
        return kernel(*arguments)

    def call_compiled(kernel, arguments):   # noqa: F811
        """Plain Python (NUMBA_DISABLE_JIT=1): never called (``gemm`` reads 0 addresses)."""
        kernel(*arguments)

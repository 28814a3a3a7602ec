"""How the compiled kernels call each other: by symbol, each compiled (and cached) once.

Numba links the LLVM module of every function a compiled function calls into that
function's own module, then optimises and emits machine code for the whole of it again. So
each layer of calls pays again for all the code below it: ``gemm.row_group`` was optimised
and emitted five times on the way up to ``train_epoch``, and the LLVM work of the callers
made up 10 of the 25 s of a cold first fit (``bench/PROFILES.md``). Compiled with
``Compiler`` (``jit`` passes it to every kernel), a kernel keeps calls to other kernels as
calls to their symbols instead. Numba's JIT engine resolves them against the callee's own
machine code, which it loaded when the callee was compiled or loaded from the cache, so every
kernel is optimised and emitted once per signature. (LLVM can no longer inline one kernel
into another across that boundary: a helper called once per number must be ``inline=True``.)

A cached caller is loaded only after its callees: each call kept by symbol adds a
``Dependency`` to the caller's ``reload_init``, the callables Numba runs before it loads the
caller's machine code. It compiles the callee, or loads it from the cache, and checks that
it got the very symbol the caller was compiled against (mangled names carry a per-process
counter): otherwise it raises ``StaleDependency``, and the cache (``_jit._Cache``) compiles
the caller afresh, replacing its entry. Any function that links a kernel's module, a user's own
Numba-compiled function included, inherits these ``reload_init`` entries with it.
"""
import importlib

from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import register_pass
from numba.core.typed_passes import NativeLowering, NativeParforLowering

DISPATCHERS = {}   # (module, qualname) -> every dispatcher ``jit`` made, for ``Dependency``


def register(dispatcher):
    """Make ``dispatcher`` findable by ``Dependency`` from its Python function's names."""
    func = dispatcher.py_func
    DISPATCHERS[func.__module__, func.__qualname__] = dispatcher


def provides(library, fndesc):
    """Mark ``library`` as the machine code of the kernel ``fndesc`` describes: callers
    compiled by ``Compiler`` then call it by symbol instead of linking it in."""
    library.ffnn_numba_dependency = Dependency(fndesc.modname, fndesc.qualname,
                                               tuple(fndesc.argtypes), fndesc.mangled_name)


class StaleDependency(LookupError):
    """A cached caller was built against another compilation of a kernel it calls."""


class Dependency:
    """Compiles (or loads) the kernel ``module.qualname`` for ``argtypes`` when called, and
    checks that its symbol is ``symbol``. Picklable, so that it is saved with its caller."""

    def __init__(self, module, qualname, argtypes, symbol):
        self.module, self.qualname, self.argtypes, self.symbol = module, qualname, argtypes, symbol

    @property
    def key(self):
        return self.module, self.qualname, self.argtypes, self.symbol

    def __reduce__(self):
        return Dependency, self.key

    def __eq__(self, other):
        return isinstance(other, Dependency) and self.key == other.key

    def __hash__(self):
        return hash(self.key)

    def __call__(self):
        importlib.import_module(self.module)   # its import runs the jit() that registers it
        dispatcher = DISPATCHERS[self.module, self.qualname]
        dispatcher.compile(self.argtypes)
        got = dispatcher.overloads[self.argtypes].fndesc.mangled_name
        if got != self.symbol:
            raise StaleDependency(f"{self.qualname} is compiled as {got}, not as {self.symbol}, "
                              f"which its caller in the cache was built against")


def _call_by_symbol(lower):
    """Replace the kernels among the libraries ``lower``'s function links in by a
    ``Dependency`` each, and mark its library as a kernel's."""
    library = lower.library
    linked = []
    for callee in library._linking_libraries:
        dependency = getattr(callee, "ffnn_numba_dependency", None)
        if dependency is None:   # Numba's own helpers, a parallel loop's body: linked as usual
            linked.append(callee)
        else:
            library._reload_init.add(dependency)
    library._linking_libraries[:] = linked
    provides(library, lower.fndesc)


def _calling_by_symbol(numba_pass, name):
    """Numba's lowering pass ``numba_pass`` (serial or parallel), followed by
    ``_call_by_symbol``, registered as the pass ``name``."""
    class Lower(numba_pass().lowering_class):
        def lower(self):
            super().lower()
            _call_by_symbol(self)

    @register_pass(mutates_CFG=True, analysis_only=False)
    class Pass(numba_pass):
        _name = name
        lowering_class = property(lambda self: Lower)
    return Pass


_LOWERING = {NativeLowering: _calling_by_symbol(NativeLowering, "ffnn_numba_native_lowering"),
             NativeParforLowering: _calling_by_symbol(NativeParforLowering,
                                                      "ffnn_numba_native_parfor_lowering")}


class Compiler(CompilerBase):
    """Numba's nopython pipeline, lowering with ``_call_by_symbol``."""

    def define_pipelines(self):
        pipeline = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pipeline.passes = [(_LOWERING.get(cls, cls), text) for cls, text in pipeline.passes]
        return [pipeline]

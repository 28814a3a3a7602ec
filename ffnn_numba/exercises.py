"""``ffnn_numba.exercises``, the documented name of ``ffnn_numba.teach.exercises``.

Importing it gives that very module (not a copy), so its functions, state and submodules are
the same objects under both names.
"""
import sys

from .teach import exercises

sys.modules[__name__] = exercises

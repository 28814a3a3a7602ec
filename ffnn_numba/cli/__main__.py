"""``python -m ffnn_numba.cli``, the same as ``ffnn-numba``."""
import sys

from . import main

sys.exit(main())

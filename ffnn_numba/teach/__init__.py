"""The teaching room: every tool that shows the derivation with its numbers.

``explain`` (one equation at one index, every term), ``equation`` and ``formulas`` (the
equations as data, and the reference numbers), ``quantities`` (the symbols of a network),
``examples`` (small networks with hand-checkable numbers), ``checks`` (central-difference
gradient checks, the explicit Jacobian), ``figure`` (SVG and PNG drawings), ``explore`` (the
interactive page, with its ``static/`` script and style) and ``exercises`` (the grader of
students' kernels).

May import: the model (``ffnn_numba.network`` and what lies below it: ``kernels``,
``vectorized``, ``reference``, ``registry``, ``validation``, ``tabular``, ``files``). Never
imports ``bench``, ``cli``, ``sklearn``, ``pytorch`` or ``plot``; nothing of the model imports
this room.
"""

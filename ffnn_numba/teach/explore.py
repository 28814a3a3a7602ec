"""An explorer page: one self-contained HTML file to click through every equation.

The page shows the network's figure (``ffnn_numba.teach.figure``); clicking (tapping, or
Enter on) a node shows z, a, dJ/da and dJ/dz of that node for the chosen example, with their
terms and numbers; an edge shows w and dJ/dw; hovering an equation highlights the nodes and
edges its sum runs over, clicking it pins them. A Step mode walks the derivation's order
(z^[1] ... a^[L], J, the seed, dZ^[L], dW^[L], db^[L], dA^[L-1] ... dA^[0]), filling in the
figure as quantities become known; a strip shows the matrices of the m examples (rows j,
columns i) with the entry's row and column highlighted.
Every number is the library's own: the trace of ``net.forward``/``net.gradients`` on the
network's backend, checked against the other backend before it is written, and ∂a/∂z from
``ffnn_numba.activation_jacobian``. The page's script only lays the numbers out (as MathML,
which browsers render natively): it computes nothing. No server, no network access: the
figure, script, style and data are all inside the file.
"""
import copy
import html
import json
from importlib import resources

import numpy as np

from .. import files, registry, validation
from . import formulas
from .checks import activation_jacobian
from ._explore_data import csv_examples
from .figure import draw
from .examples import LAYER_SIZES, example_problem, random_examples
from ..network import Network

#: Examples embedded in a page at most; more are cut to the first ones (the page says so).
MAX_EXAMPLES = 64
# The two backends sum in different orders; beyond this relative difference the page is not
# written (it would show numbers one backend does not compute).
AGREEMENT = {np.float64: 1e-9, np.float32: 1e-3}


def write_explorer(net, X, Y, path, max_nodes=7, max_examples=MAX_EXAMPLES):
    """Write the explorer page of ``net`` on the examples (X, Y) to ``path``.

    Parameters
    ----------
    net : Network
    X, Y : array_like
        Inputs (n^[0], m) and targets, as for ``net.gradients``. Only the first
        ``max_examples`` examples are used (J and every gradient are then over those).
    path : str or path-like
    max_nodes : int, default 7
        Node rows per layer in the figure before a layer is elided (see ``draw``).

    Returns
    -------
    path
    """
    text = explorer_html(net, X, Y, max_nodes, max_examples)
    return files.write_text(path, text)


def explorer_html(net, X, Y, max_nodes=7, max_examples=MAX_EXAMPLES):
    """The explorer page as one string of HTML (see ``write_explorer``)."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network; got {type(net).__name__}")
    max_examples = validation.check_positive_int(max_examples, "max_examples")
    data = explorer_data(net, X, Y, max_examples)
    figure = draw(net, max_nodes=max_nodes)
    return _page(data, figure)


def explorer_data(net, X, Y, max_examples=MAX_EXAMPLES):
    """Everything the page shows, as JSON-ready lists: per layer Z, A, dZ, dA (rows j,
    columns i), W, b, dW, db and ∂a_j/∂z_j (``dadz``, None for softmax); Y, J, its terms
    (``J_terms``, rows j, columns i, each by the cost kernel) and L2 penalty, and which
    backends computed them."""
    X, Y = net.validate(X, Y)
    m_all = X.shape[1]
    X, Y = np.ascontiguousarray(X[:, :max_examples]), np.ascontiguousarray(Y[:, :max_examples])
    trace = net.gradients(X, Y, trace=True)
    other = copy.deepcopy(net)
    other.backend = next(b for b in registry.BACKENDS if b != net.backend)
    difference = _difference(trace, other.gradients(X, Y, trace=True))
    if difference > AGREEMENT[net.dtype]:
        raise RuntimeError(f"the {net.backend} and {other.backend} backends disagree on this "
                           f"network (relative difference {difference:.1e}); no page written")
    layers = [{"A": _rows(trace["A0"]), "dA": _rows(trace["dA0"])}]
    for l in range(1, net.n_layers + 1):
        layers.append({name: _rows(trace[f"{name}{l}"]) for name in ("Z", "A", "dZ", "dA")})
        layers[l].update(W=_rows(net.params[f"W{l}"]), b=_rows(net.params[f"b{l}"]),
                         dW=_rows(trace[f"dW{l}"]), db=_rows(trace[f"db{l}"]),
                         dadz=_slopes(net.activations[l - 1], trace[f"Z{l}"]))
    Z, A = (np.asarray(trace[f"{name}{net.n_layers}"], np.float64) for name in ("Z", "A"))
    Y64 = np.asarray(Y, np.float64)
    J_terms = [[formulas.cost_term_value(net, Z, A, Y64, j, i) for i in range(X.shape[1])]
               for j in range(Z.shape[0])]
    return {"sizes": list(net.layer_sizes), "activations": list(net.activations),
            "J_terms": J_terms, "l2_penalty": formulas.l2_penalty_value(net, X.shape[1]),
            "coupled": [registry.ACTIVATIONS[a].coupled for a in net.activations],
            "cost": net.cost_name, "fused": net.fused, "l2": net.l2, "m": X.shape[1],
            "m_all": m_all, "J": net.cost(X, Y), "Y": _rows(Y), "layers": layers,
            "backend": net.backend, "other_backend": other.backend, "difference": difference,
            "dtype": np.dtype(net.dtype).name}


def _rows(array):
    return np.asarray(array, dtype=np.float64).tolist()


def _difference(trace, other):
    """Largest difference between two traces, relative to each quantity's largest value."""
    worst = 0.0
    for key, value in trace.items():
        a, b = np.asarray(value, np.float64), np.asarray(other[key], np.float64)
        scale = max(np.max(np.abs(a), initial=0.0), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b), initial=0.0)) / scale)
    return worst


def _slopes(name, Z):
    """∂a_j/∂z_j (rows j, columns i) of an element-wise activation, from
    ``activation_jacobian``; None for a coupled one (softmax), whose page writes each
    ∂a_p/∂z_j = a_p (δ_pj − a_j) out from the activations instead."""
    if registry.ACTIVATIONS[name].coupled:
        return None
    return np.stack([np.diag(activation_jacobian(name, Z[:, i])) for i in range(Z.shape[1])],
                    axis=1).tolist()


def _asset(name):
    return resources.files("ffnn_numba.teach").joinpath("static", name).read_text(encoding="utf-8")


def script_json(data):
    """``data`` as JSON text that is safe inside an HTML <script> element, whatever text its
    strings hold: ``JSON.parse`` of the element's text reads back exactly ``data``."""
    # The HTML parser ends the element at "</script", and "<!--" before "<script" hides that
    # end tag; U+2028 and U+2029 end a line in older JavaScript. ensure_ascii escapes every
    # non-ASCII character; JSON syntax has no "<", ">" or "&" outside strings, where their
    # \u escapes read the same.
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(data, figure):
    sizes = "-".join(map(str, data["sizes"]))
    shown = (f"the first {data['m']} of {data['m_all']} examples" if data["m"] < data["m_all"]
             else f"m = {data['m']} examples")
    summary = (f"activations {', '.join(data['activations'])}; cost {data['cost']}; {shown}; "
               f"J = {data['J']:.8g}. Numbers from the {data['backend']} backend "
               f"({data['dtype']}); the {data['other_backend']} backend agrees to "
               f"{data['difference']:.1e}.")
    options = "".join(f'<option value="{i}">i = {i + 1}</option>' for i in range(data["m"]))
    payload = script_json(data)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ffnn-numba explorer: network {html.escape(sizes)}</title>
<link rel="icon" href="data:,">
<style>
{_asset("explore.css")}
</style>
</head>
<body>
<header>
<h1>Backpropagation, equation by equation: network {html.escape(sizes)}</h1>
<p id="summary">{html.escape(summary)}</p>
<p class="hint">Click or tap a node, an edge or "the cost J" (or Tab to it, then Enter).
Click an equation to pin the nodes and edges its sum runs over (Escape unpins); hover shows
them too. Next/Prev (or the arrow keys) step through the derivation in its order. Indices are
1-based, as in the derivation.</p>
</header>
<div id="controls">
<label>example <select id="example">{options}</select></label>
<button id="cost" type="button">the cost J</button>
<label>numbers on the nodes <select id="shown">
<option value="A">a (activation)</option><option value="Z">z (weighted sum)</option>
<option value="dA">∂J/∂a</option><option value="dZ">∂J/∂z</option>
<option value="">none</option>
</select></label>
</div>
<nav id="stepper" aria-label="the derivation, step by step">
<button id="step-prev" type="button">◀ Prev</button>
<button id="step-next" type="button">Next ▶</button>
<button id="step-exit" type="button" hidden>explore freely</button>
<span id="step-where" aria-live="polite"></span>
<ol id="steps"></ol>
</nav>
<main>
<div id="visual">
<figure id="figure">
{figure}
</figure>
<section id="strip" aria-label="the m examples">
<h2>The {data['m']} examples, one column each</h2>
<div id="strip-grids"></div>
</section>
</div>
<section id="panel" aria-live="polite">
<h2 id="panel-title">Click a node or an edge</h2>
<div id="equations"></div>
</section>
</main>
<script type="application/json" id="ffnn-data">{payload}</script>
<script>
{_asset("mathml.js")}
</script>
<script>
{_asset("equations.js")}
{_asset("steps.js")}
</script>
<script>
{_asset("explore.js")}
</script>
</body>
</html>
"""


# -- the command line ---------------------------------------------------------------------

def explore_command(output, *, layers=None, activations=None, cost=None, model=None,
                    data=None, m=4, seed=0, backend="loops", max_nodes=7, fused=None):
    """What ``ffnn-numba explore`` runs: build or load the network, take the examples,
    write the page to ``output`` and return its path.

    Without ``layers`` and ``model`` the network is the derivation's 3-3-3-3 one (relu, tanh,
    softmax, categorical cross-entropy): ``examples.lecture_network`` with its fixed numbers
    for m = 4, seeded random ones otherwise. With ``layers``, a seeded random network whose
    ``activations`` default as in ``Network`` and ``cost`` to categorical cross-entropy
    (binary with one output), on random examples (``examples.example_problem``). With
    ``model`` (a file of ``ffnn-numba train``) the examples are the first m rows of ``data``
    (a CSV file), read with the model's preprocessing; without ``data`` they are random
    (``examples.random_examples``), drawn with ``seed``. ``fused=False`` runs a fused
    output/cost pair the long way (``Network(fused=False)``: the seed and the activation's
    backward step).
    """
    m = validation.check_positive_int(m, "m")
    if m > MAX_EXAMPLES:
        raise ValueError(f"m must be at most {MAX_EXAMPLES} (examples shown in one page); got {m}")
    if model is not None:
        if layers is not None or activations is not None or cost is not None:
            raise ValueError("a model file gives the network: leave out layers, activations "
                             "and cost")
        net = Network.load(model, backend=backend)
        X, Y = (csv_examples(net, model, data, m) if data is not None
                else random_examples(net, m, seed))
    else:
        if data is not None:
            raise ValueError("data needs a model (from ffnn-numba train) to read it with")
        if layers is not None:
            from ..tabular import check_size
            check_size(layers)
        net, X, Y = example_problem(layers, activations, cost, m, backend, seed)
    return write_explorer(with_fused(net, fused), X, Y, output, max_nodes=max_nodes)


def with_fused(net, fused):
    """``net``, or a copy of it made with ``Network(..., fused=fused)`` (same parameters,
    backend, dtype, l2 and metadata) where ``fused`` is given."""
    if fused is None or fused == net.fused:
        return net
    copy_ = Network(net.layer_sizes, net.activations, net.cost_name, backend=net.backend,
                    dtype=net.dtype, l2=net.l2, fused=fused)
    copy_.theta[...] = net.theta
    copy_.metadata = dict(net.metadata)
    return copy_


def draw_command(output, *, layers=None, model=None, max_nodes=7):
    """What ``ffnn-numba draw`` runs: the figure of ``layers`` (default 3,3,3,3) or of the
    network saved in ``model``, written to ``output`` (SVG, or PNG for a .png name)."""
    if layers is not None and model is not None:
        raise ValueError("give layers or a model file, not both")
    source = Network.load(model) if model is not None else (layers or list(LAYER_SIZES))
    return draw(source, path=output, max_nodes=max_nodes)

"""The highlight of ``draw``: an equation's target, its terms and their numbers, checked
(``check_highlight``), from a dict or an ``Explanation``; and the numbers a network's edges
show (``edge_numbers``). Elements are ``("node", l, j)`` or ``("edge", l, j, k)``, 1-based."""
import numbers


from .. import validation


KEYS = ("target", "terms", "example", "quantity", "indices", "value", "fused", "bias",
        "activation")
QUANTITIES = ("z", "a", "J", "dA", "dZ", "dW", "db", "dA_prev")
NEEDS = {"z": "lji", "a": "lji", "dZ": "lji", "dA": "lji", "dW": "ljk", "db": "lj",
         "dA_prev": "lki", "J": ""}


def from_explanation(explanation):
    """The highlight dict of an ``Explanation``: its elements and numbers, with what the
    figure needs to label them (quantity, indices, value; the shortcut of a fused dZ, z's
    bias)."""
    spec = dict(explanation.highlights, quantity=explanation.quantity,
                indices=dict(explanation.indices), value=explanation.value)
    if explanation.quantity == "dZ":   # the shortcut (a − y)/m: no sum, two steps
        spec["fused"] = len(explanation.steps) == 2
    if explanation.quantity == "z":    # its last term is b_j
        spec["bias"] = explanation.terms[-1]
    activations, l = getattr(explanation, "activations", None), explanation.indices.get("l")
    if activations and l:              # where the explanation keeps its network's
        spec["activation"] = activations[l - 1]
    return spec


def check_highlight(highlight, sizes):
    """The highlight as a dict: target, {elem: [values]}, example, and the quantity, its
    indices and value (None where not given), every index checked."""
    if highlight is not None and hasattr(highlight, "highlights"):
        highlight = from_explanation(highlight)
    spec = {"target": None, "values": {}, "example": None, "quantity": None, "indices": {},
            "value": None, "fused": False, "bias": None, "activation": None}
    if highlight is None:
        return spec
    if not isinstance(highlight, dict):
        raise TypeError(f"highlight must be a dict with keys 'target', 'terms', 'example'; "
                        f"got {type(highlight).__name__}")
    unknown = set(highlight) - set(KEYS)
    if unknown:
        raise ValueError(f"highlight has unknown keys {sorted(map(str, unknown))}; valid: "
                         + ", ".join(map(repr, KEYS)))
    if highlight.get("target") is not None:
        spec["target"] = check_element(highlight["target"], sizes, "highlight target")
    for n, term in enumerate(highlight.get("terms") or ()):
        where = f"highlight term {n}"
        if not isinstance(term, (tuple, list)) or len(term) != 2:
            raise ValueError(f"{where} must be a pair (elem, value); got {term!r}")
        elem = check_element(term[0], sizes, where)
        spec["values"].setdefault(elem, []).append(_real(term[1], where))
    if highlight.get("example") is not None:
        spec["example"] = validation.check_positive_int(highlight["example"], "highlight example i")
    for key in ("value", "bias"):
        if highlight.get(key) is not None:
            spec[key] = _real(highlight[key], f"highlight {key}")
    spec["fused"] = bool(highlight.get("fused", False))
    if highlight.get("activation") is not None:
        spec["activation"] = str(highlight["activation"])
    if highlight.get("quantity") is not None:
        spec["quantity"] = validation.check_choice("highlight quantity", highlight["quantity"],
                                                   QUANTITIES)
        spec["indices"] = _check_indices(spec["quantity"], highlight.get("indices"), sizes)
    return spec


def _real(value, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: the value must be a real number; got {value!r}")
    return float(value)


def _check_indices(quantity, indices, sizes):
    """The 1-based indices a quantity needs (l = L for J and the seed where not given)."""
    indices = dict(indices or {})
    L = len(sizes) - 1
    if quantity in ("J", "dA"):
        indices.setdefault("l", L)
    needs = NEEDS[quantity]
    missing = [letter for letter in needs if indices.get(letter) is None]
    if missing:
        raise ValueError(f"highlight quantity {quantity!r} needs the indices {', '.join(needs)}; "
                         f"missing {', '.join(missing)}")
    for letter, value in indices.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"highlight index {letter} must be an integer from 1; got {value!r}")
    return {letter: int(value) for letter, value in indices.items()}


def check_element(elem, sizes, where):
    """("node", l, j) or ("edge", l, j, k) as a tuple of ints, each index in range."""
    kind = elem[0] if isinstance(elem, (tuple, list)) and elem else None
    if kind not in ("node", "edge") or len(elem) != (3 if kind == "node" else 4):
        raise ValueError(f"{where} must be ('node', l, j) or ('edge', l, j, k); got {elem!r}")
    for index in elem[1:]:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{where}: indices must be integers; got {elem!r}")
    L = len(sizes) - 1
    l, j = int(elem[1]), int(elem[2])
    low = 0 if kind == "node" else 1
    if not low <= l <= L:
        raise ValueError(f"{where} {tuple(elem)!r}: layer l = {l} is out of range: "
                         f"{'nodes' if kind == 'node' else 'weights'} lie in layers {low}..{L}")
    if not 1 <= j <= sizes[l]:
        raise ValueError(f"{where} {tuple(elem)!r}: j = {j} is out of range: layer {l} has "
                         f"nodes 1..{sizes[l]}")
    if kind == "node":
        return ("node", l, j)
    k = int(elem[3])
    if not 1 <= k <= sizes[l - 1]:
        raise ValueError(f"{where} {tuple(elem)!r}: k = {k} is out of range: layer {l - 1} "
                         f"has nodes 1..{sizes[l - 1]}")
    return ("edge", l, j, k)


def edge_numbers(net_or_sizes, edges, sizes):
    """(symbol, {l: rows of numbers}) of what the edges show, or None."""
    if edges is False:
        return None
    if edges is None:
        params = getattr(net_or_sizes, "params", None)
        if params is None:
            return None
        edges = {f"W{l}": params[f"W{l}"] for l in range(1, len(sizes))}
    if not isinstance(edges, dict) or not edges:
        raise TypeError("edges must be None, False or a dict of arrays {'W1': ..., ...} or "
                        "{'dW1': ..., ...}")
    gradient = all(str(key).startswith("dW") for key in edges)
    if not gradient and not all(str(key).startswith("W") for key in edges):
        raise ValueError(f"edges' keys must all be W1, W2, ... or all dW1, dW2, ...; got "
                         f"{sorted(map(str, edges))}")
    prefix, shown = ("dW" if gradient else "W"), {}
    for l in range(1, len(sizes)):
        rows = edges.get(f"{prefix}{l}")
        if rows is None:
            continue
        rows = [[float(x) for x in row] for row in rows]
        if len(rows) != sizes[l] or any(len(row) != sizes[l - 1] for row in rows):
            raise ValueError(f"edges[{prefix}{l}!r] must be {sizes[l]} x {sizes[l - 1]}")
        shown[l] = rows
    return ("dw_{j,k}^[l]" if gradient else "w_{j,k}^[l]"), shown

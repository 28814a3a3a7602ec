"""One equation as a small tree, rendered as plain text or as LaTeX.

``explain`` builds each equation once from the nodes below (a symbol with its indices, a
number, a sum over a letter, a derivative, a quotient, ...); ``text`` and ``latex`` are the
two renderers. Neither reads the other's output, so the two renderings cannot disagree on
what the equation says.

>>> z = Sym("z", ("j", "i"), 2)
>>> text(Mul((Deriv(Sym("J"), z), Num(-0.5))))
'∂J/∂z_{j,i}^{[2]}·(-0.5)'
>>> latex(Div(Paren(Sub(Sym("a"), Sym("y"))), Lit("m")))
'\\\\frac{a - y}{m}'
"""
from dataclasses import dataclass, is_dataclass
from typing import Any

SHOWN = 6   # terms shown in full before a long sum is elided in the middle


@dataclass(frozen=True)
class Sym:
    """A symbol with subscripts and a layer superscript: z_{j,i}^{[l]}."""
    name: str
    sub: tuple = ()
    layer: Any = None


@dataclass(frozen=True)
class Num:
    """A number, shown to 4 significant digits (negative ones in parentheses)."""
    value: float


@dataclass(frozen=True)
class Lit:
    """A literal: an integer such as m = 4 or 1, or a letter such as m."""
    text: str


@dataclass(frozen=True)
class Elided:
    """The terms left out of the middle of a long sum."""


@dataclass(frozen=True)
class Add:
    terms: tuple


@dataclass(frozen=True)
class Sub:
    left: Any
    right: Any


@dataclass(frozen=True)
class Neg:
    operand: Any


@dataclass(frozen=True)
class Mul:
    """A product; ``dot`` writes the factors with ·, otherwise side by side (w a)."""
    factors: tuple
    dot: bool = True


@dataclass(frozen=True)
class Div:
    numerator: Any
    denominator: Any


@dataclass(frozen=True)
class Paren:
    inner: Any


@dataclass(frozen=True)
class Pow:
    base: Any
    exponent: int


@dataclass(frozen=True)
class Deriv:
    """∂of/∂wrt."""
    of: Any
    wrt: Any


@dataclass(frozen=True)
class Sum:
    """Σ over the letter ``index`` of ``body``."""
    index: str
    body: Any


@dataclass(frozen=True)
class Apply:
    """A function of one or more arguments: exp(z), max(0, z), σ(z), I(z > 0)."""
    function: str
    args: tuple


@dataclass(frozen=True)
class Rel:
    left: Any
    op: str
    right: Any


@dataclass(frozen=True)
class Cond:
    """``then`` if ``condition`` holds, otherwise ``otherwise``."""
    then: Any
    condition: Any
    otherwise: Any


def number(x):
    """4 significant digits; −0.0 prints as 0."""
    return f"{float(x) + 0.0:.4g}"   # + 0.0 turns -0.0 into 0.0


def mul(*factors):
    """The product of ``factors``: side by side when all are symbols (w_{j,k} a_{k,i}),
    with · as soon as a number appears (0.5·(-1.2))."""
    return Mul(factors, dot=any(_has_number(f) for f in factors))


def _has_number(node):
    if isinstance(node, Num):
        return True
    return any(_has_number(value) for value in _children(node))


def _children(node):
    for value in vars(node).values():
        for item in value if isinstance(value, tuple) else (value,):
            if is_dataclass(item):
                yield item


def added(terms):
    """The sum of ``terms``, elided in the middle when there are more than SHOWN."""
    terms = tuple(terms)
    if len(terms) > SHOWN:
        terms = terms[:3] + (Elided(),) + terms[-2:]
    return Add(terms)


def _sub_sup(sub, layer):
    out = "_{" + ",".join(map(str, sub)) + "}" if sub else ""
    return out + (f"^{{[{layer}]}}" if layer is not None else "")


LATEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "max": r"\max", "tanh": r"\tanh",
                   "σ": r"\sigma"}
LATEX_SYMBOLS = {"δ": r"\delta", "σ": r"\sigma", "α": r"\alpha", "λ": r"\lambda"}


def text(node):
    """The plain-text rendering: ∂J/∂z_{j,i}^{[l]} = Σ_p ..."""
    match node:
        case Sym(name, sub, layer):
            return name + _sub_sup(sub, layer)
        case Num(value):
            written = number(value)
            return f"({written})" if written.startswith("-") else written
        case Lit(written):
            return written
        case Elided():
            return "…"
        case Add(terms):
            return " + ".join(text(t) for t in terms)
        case Sub(left, right):
            return f"{text(left)} − {text(right)}"
        case Neg(operand):
            return f"−{text(operand)}"
        case Mul(factors, dot):
            return ("·" if dot else " ").join(text(f) for f in factors)
        case Div(numerator, denominator):
            return f"{text(numerator)} / {text(denominator)}"
        case Paren(inner):
            return f"({text(inner)})"
        case Pow(Sym() as base, exponent):   # (a_{j,i}^{[l]})²: one superscript per symbol
            return text(Pow(Paren(base), exponent))
        case Pow(base, 2):
            return f"{text(base)}²"
        case Pow(base, exponent):
            return f"{text(base)}^{exponent}"
        case Deriv(of, wrt):
            return f"∂{text(of)}/∂{text(wrt)}"
        case Sum(index, body):
            return f"Σ_{index} {text(body)}"
        case Apply(function, args):
            return f"{function}({', '.join(_argument(a, text) for a in args)})"
        case Rel(left, op, right):   # a comparison needs no parentheses: -1.9 > 0
            return f"{_argument(left, text)} {op} {_argument(right, text)}"
        case Cond(then, condition, otherwise):
            return f"({text(then)} if {text(condition)} else {text(otherwise)})"
    raise TypeError(f"not an equation node: {node!r}")


def _argument(node, render):
    """A function's own parentheses are enough around a negative number: exp(-0.5)."""
    return number(node.value) if isinstance(node, Num) else render(node)


def _bare(node):
    """A quotient's parts lose their parentheses in LaTeX: the fraction bar groups them."""
    return node.inner if isinstance(node, Paren) else node


def latex(node):
    """The LaTeX rendering: \\frac{\\partial J}{\\partial z_{j,i}^{[l]}} = \\sum_{p} ..."""
    match node:
        case Sym(name, sub, layer):
            return LATEX_SYMBOLS.get(name, name) + _sub_sup(sub, layer)
        case Num() | Lit():
            return text(node)
        case Elided():
            return r"\dots"
        case Add(terms):
            return " + ".join(latex(t) for t in terms)
        case Sub(left, right):
            return f"{latex(left)} - {latex(right)}"
        case Neg(operand):
            return f"-{latex(operand)}"
        case Mul(factors, dot):
            return (r" \cdot " if dot else " ").join(latex(f) for f in factors)
        case Div(numerator, denominator):
            return rf"\frac{{{latex(_bare(numerator))}}}{{{latex(_bare(denominator))}}}"
        case Paren(Div() as inner):   # \frac needs no parentheses around it
            return latex(inner)
        case Paren(inner):
            return rf"\left({latex(inner)}\right)"
        case Pow(Sym() as base, exponent):
            return latex(Pow(Paren(base), exponent))
        case Pow(base, exponent):
            return f"{latex(base)}^{{{exponent}}}"
        case Deriv(of, wrt):
            return rf"\frac{{\partial {latex(of)}}}{{\partial {latex(wrt)}}}"
        case Sum(index, body):
            return rf"\sum_{{{index}}} {latex(body)}"
        case Apply(function, args):
            name = LATEX_FUNCTIONS.get(function, function)
            return rf"{name}\left({', '.join(_argument(a, latex) for a in args)}\right)"
        case Rel(left, op, right):
            return f"{_argument(left, latex)} {op} {_argument(right, latex)}"
        case Cond(then, condition, otherwise):
            return (rf"\begin{{cases}} {latex(then)} & \text{{if }} {latex(condition)} \\ "
                    rf"{latex(otherwise)} & \text{{otherwise}} \end{{cases}}")
    raise TypeError(f"not an equation node: {node!r}")

/* MathML as strings, for the explorer page of ffnn-numba (inlined before explore.js by
   ffnn_numba/explore.py). Symbols are written as the derivation writes them: a letter, its
   1-based subscripts and the layer superscript [l]. */
"use strict";
const MathML = (function () {
  const SHOWN = 6;   // terms shown in full before a long sum is elided, as explain does
  /* text for innerHTML, an element's content or a quoted attribute: every string of the
     page's data reaches the page through here, never as markup */
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  const mi = (s) => `<mi>${esc(s)}</mi>`;
  const mo = (s) => `<mo>${esc(s)}</mo>`;
  const mn = (s) => `<mn>${esc(s)}</mn>`;
  const row = (...parts) => `<mrow>${parts.join("")}</mrow>`;
  const index = (v) => (typeof v === "number" ? mn(v) : mi(v));
  const d = `<mi mathvariant="normal">∂</mi>`;

  /* letter_{sub}^{[l]}; no superscript when l is null */
  function sym(letter, sub, l) {
    const s = row(sub.map(index).join(mo(",")));
    if (l === null) return `<msub>${mi(letter)}${s}</msub>`;
    return `<msubsup>${mi(letter)}${s}${row(mo("["), index(l), mo("]"))}</msubsup>`;
  }
  const act = (sub, l) => (l === 0 ? sym("x", sub, null) : sym("a", sub, l));
  const frac = (a, b) => `<mfrac>${row(a)}${row(b)}</mfrac>`;
  const dJ = (x) => frac(d + mi("J"), d + x);
  const sum = (letter) => `<munder>${mo("∑")}${mi(letter)}</munder>`;
  const fn = (name, arg) => row(`<mi>${esc(name)}</mi>`, mo("("), arg, mo(")"));
  const times = (a, b) => row(a, mo("·"), b);

  /* a number: `digits` significant digits, a real minus sign, ×10^e when tiny or huge;
     in parentheses when negative and `paren` (a factor of a product) */
  function num(x, digits = 4, paren = false) {
    if (!Number.isFinite(x)) return mn(String(x));
    const a = Math.abs(x), sign = x < 0 ? "−" : "";
    let body;
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
      const [mant, e] = x.toExponential(digits - 1).split("e");
      const power = Number(e);
      body = row(mn(sign + String(Math.abs(Number(mant)))), mo("×"),
                 `<msup>${mn("10")}${mn(String(power).replace("-", "−"))}</msup>`);
    } else {
      body = mn(sign + String(Math.abs(Number(x.toPrecision(digits)))));
    }
    return x < 0 && paren ? row(mo("("), body, mo(")")) : body;
  }
  const factor = (x) => num(x, 4, true);
  /* a sum of terms, elided in the middle past SHOWN terms */
  function terms(parts) {
    if (parts.length > SHOWN) parts = [...parts.slice(0, 3), mo("⋯"), ...parts.slice(-2)];
    return row(parts.join(mo("+")));
  }
  /* the terms of a sum as a list, elided in the middle past SHOWN (or `most`) terms: the page
     writes them on one line where they fit, else one term per line */
  function parts(list, most = SHOWN) {
    return list.length > most ? [...list.slice(0, 3), mo("⋯"), ...list.slice(-2)] : list;
  }
  /* matrices as the derivation writes them: a capital letter with its layer, ∂J/∂ of one,
     a transpose, a shape n × m */
  const cap = (letter, l) => `<msup>${mi(letter)}${row(mo("["), index(l), mo("]"))}</msup>`;
  const dcap = (letter, l) => dJ(cap(letter, l));
  const tr = (x) => `<msup>${row(x)}${mi("T")}</msup>`;
  const shape = (r, c) => row(mo("("), index(r), mo("×"), index(c), mo(")"));
  function plain(x) {   // the numbers on the nodes
    const a = Math.abs(x);
    const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2)
      : String(Number(x.toPrecision(3)));
    return s.replace("-", "−");
  }
  return { esc, mi, mo, mn, row, d, sym, act, frac, dJ, sum, fn, times, num, factor, terms,
           parts, cap, dcap, tr, shape, plain };
})();

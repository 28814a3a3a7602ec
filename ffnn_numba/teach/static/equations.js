/* The equations of the explorer page of ffnn-numba (inlined after mathml.js and before
   explore.js by ffnn_numba/explore.py): for a node, an edge or the cost, each equation in
   symbols, with the page's numbers for example i, and its value, as MathML. It computes
   nothing: every value and every factor shown is read from the page's data (the network's
   trace). The arrays are 0-based, DATA.layers[l].Z[j][i]; indices shown are 1-based. */
"use strict";
const Equations = function (DATA) {
  const { mi, mo, mn, row, d, sym, act, frac, dJ, sum, fn, times, num, factor, terms, parts } =
    MathML;
  const L = DATA.sizes.length - 1;
  const LAYER = DATA.layers;
  const J_SHOWN = 120;   // terms of J written out before the sum is elided
  const range = (n) => Array.from({ length: n }, (_, k) => k);

  const nodeId = (l, j) => `node-${l}-${j + 1}`;
  const edgeId = (l, j, k) => `edge-${l}-${j + 1}-${k + 1}`;

  function inputEq(k, i) {
    return { id: "x", title: "Input: x = a^[0], one column per example",
             lhs: sym("x", [k + 1, i + 1], null), value: LAYER[0].A[k][i], terms: [nodeId(0, k)] };
  }

  function zEq(l, j, i) {
    const C = LAYER[l], P = LAYER[l - 1], ks = range(DATA.sizes[l - 1]);
    return {
      id: "z", title: "Forward: the weighted sum (eq:z_scalar)",
      lhs: sym("z", [j + 1, i + 1], l),
      symbolic: row(sum("k"), sym("w", [j + 1, "k"], l), act(["k", i + 1], l - 1), mo("+"),
                    sym("b", [j + 1], l)),
      numbers: [...parts(ks.map((k) => times(factor(C.W[j][k]), factor(P.A[k][i])))),
                factor(C.b[j][0])],
      value: C.Z[j][i],
      terms: [...ks.map((k) => edgeId(l, j, k)), ...ks.map((k) => nodeId(l - 1, k))],
      notes: [`The sum runs over the k = 1..${ks.length} nodes of layer ${l - 1}.`],
    };
  }

  function aEq(l, j, i) {
    const Z = LAYER[l].Z, name = DATA.activations[l - 1], ps = range(DATA.sizes[l]);
    const eq = { id: "a", title: `Forward: the activation, ${name} (eq:a_scalar)`,
                 lhs: sym("a", [j + 1, i + 1], l), value: LAYER[l].A[j][i] };
    if (DATA.coupled[l - 1]) {
      eq.symbolic = frac(fn("exp", sym("z", [j + 1, i + 1], l)),
                         row(sum("p"), fn("exp", sym("z", ["p", i + 1], l))));
      const S = row(sum("p"), fn("exp", sym("z", ["p", i + 1], l)));
      eq.numbers = frac(fn("exp", num(Z[j][i])), S);
      eq.where = { lhs: S, parts: parts(ps.map((p) => fn("exp", num(Z[p][i])))) };
      eq.terms = ps.map((p) => nodeId(l, p));
      eq.notes = [`${name} is coupled: a_j reads every z_p of its layer, p = 1..${ps.length}.`];
    } else {
      eq.symbolic = fn(name, sym("z", [j + 1, i + 1], l));
      eq.numbers = fn(name, num(Z[j][i]));
      eq.terms = [nodeId(l, j)];
      eq.notes = [`${name} is element-wise: a_j reads z_j only.`];
    }
    return eq;
  }

  /* ∂J/∂a^[L]: the seed of backpropagation, from the cost */
  function seedEq(j, i) {
    const a = LAYER[L].A[j][i], y = DATA.Y[j][i], m = DATA.m;
    const A = sym("a", [j + 1, i + 1], L), Y = sym("y", [j + 1, i + 1], null);
    const eq = { id: "dA", title: `Backward: the seed ∂J/∂a of the output layer (${DATA.cost})`,
                 lhs: dJ(A), value: LAYER[L].dA[j][i], terms: [nodeId(L, j)],
                 notes: ["The seed carries the 1/m of J."] };
    if (DATA.cost === "mean_squared_error") {
      eq.symbolic = frac(row(A, mo("−"), Y), mi("m"));
      eq.numbers = frac(row(num(a), mo("−"), factor(y)), mn(m));
    } else if (DATA.cost === "categorical_cross_entropy") {
      eq.symbolic = row(mo("−"), frac(Y, row(mi("m"), A)));
      eq.numbers = row(mo("−"), frac(num(y), row(mn(m), mo("·"), factor(a))));
    } else {
      eq.symbolic = frac(row(frac(row(mn(1), mo("−"), Y), row(mn(1), mo("−"), A)), mo("−"),
                             frac(Y, A)), mi("m"));
      const oneMinus = (x) => row(mn(1), mo("−"), factor(x));
      eq.numbers = frac(row(frac(oneMinus(y), oneMinus(a)), mo("−"), frac(num(y), num(a))), mn(m));
    }
    if (DATA.fused) {
      eq.notes.push(`For ${DATA.activations[L - 1]} with ${DATA.cost} backpropagation skips ` +
                    "this seed: the product simplifies to dZ^[L] = (A − Y)/m.");
    }
    return eq;
  }

  /* ∂J/∂a_k^[l] for l < L, from layer l + 1 */
  function dAprevEq(l, k, i) {
    const N = LAYER[l + 1], js = range(DATA.sizes[l + 1]);
    return {
      id: "dA", title: `Backward: ∂J/∂a from layer ${l + 1} (eq:da_prev_scalar)`,
      lhs: dJ(act([k + 1, i + 1], l)),
      symbolic: row(sum("j"), sym("w", ["j", k + 1], l + 1), dJ(sym("z", ["j", i + 1], l + 1))),
      numbers: parts(js.map((j) => times(factor(N.W[j][k]), factor(N.dZ[j][i])))),
      value: LAYER[l].dA[k][i],
      terms: [...js.map((j) => edgeId(l + 1, j, k)), ...js.map((j) => nodeId(l + 1, j))],
      notes: [`The sum runs over the j = 1..${js.length} nodes of layer ${l + 1}: node ` +
              `${k + 1} of layer ${l} feeds every one of them.`],
    };
  }

  /* eq:dz_scalar, ∂J/∂z_j = ∑_p ∂J/∂a_p ∂a_p/∂z_j, always the long way; at a fused output
     (sigmoid or softmax with its cross-entropy) it then shows the (a − y)/m the kernels
     compute directly, so that the seed → p-sum → (a − y)/m chain of part 3 is visible */
  function dZEq(l, j, i) {
    const C = LAYER[l], ps = range(DATA.sizes[l]), name = DATA.activations[l - 1];
    const Zj = sym("z", [j + 1, i + 1], l), Aj = sym("a", [j + 1, i + 1], l);
    const eq = { id: "dZ", title: "Backward: ∂J/∂z (eq:dz_scalar)", lhs: dJ(Zj),
                 value: C.dZ[j][i] };
    if (DATA.coupled[l - 1]) {   // softmax: ∂a_p/∂z_j = a_p (δ_pj − a_j), written out
      const Ap = sym("a", ["p", i + 1], l);
      const delta = (p) => mn(p === j ? 1 : 0);
      const partial = (p) => row(factor(C.A[p][i]), mo("·"),
                                 row(mo("("), delta(p), mo("−"), num(C.A[j][i]), mo(")")));
      eq.symbolic = [row(sum("p"), dJ(Ap), frac(d + Ap, d + Zj)),
                     row(sum("p"), dJ(Ap), Ap,
                         row(mo("("), sym("δ", ["p", j + 1], null), mo("−"), Aj, mo(")")))];
      eq.numbers = parts(ps.map((p) => times(factor(C.dA[p][i]), partial(p))));
      eq.terms = ps.map((p) => nodeId(l, p));
      eq.notes = [`${name} is coupled: ∂a_p/∂z_j = a_p (δ_pj − a_j) is nonzero for every p.`];
    } else {
      eq.symbolic = row(dJ(Aj), frac(d + Aj, d + Zj));
      eq.numbers = times(factor(C.dA[j][i]), factor(C.dadz[j][i]));
      eq.terms = [nodeId(l, j)];
      eq.notes = [`${name} is element-wise: of the sum over p only p = j remains.`];
    }
    if (l === L && DATA.fused) {
      const Yj = sym("y", [j + 1, i + 1], null);
      eq.shortcut = [frac(row(Aj, mo("−"), Yj), mi("m")),
                     frac(row(num(C.A[j][i]), mo("−"), factor(DATA.Y[j][i])), mn(DATA.m))];
      eq.notes.push(`${name} with ${DATA.cost}: the sum simplifies to (a − y)/m, which the ` +
                    "kernels compute directly (output_delta), skipping the seed; the value is " +
                    "theirs.");
    }
    return eq;
  }

  function dbEq(l, j) {
    const C = LAYER[l], is = range(DATA.m);
    return {
      id: "db", title: "Gradient: ∂J/∂b, over all examples (eq:db_scalar)",
      lhs: dJ(sym("b", [j + 1], l)), symbolic: row(sum("i"), dJ(sym("z", [j + 1, "i"], l))),
      numbers: parts(is.map((i) => factor(C.dZ[j][i]))), value: C.db[j][0],
      terms: [nodeId(l, j)],
      notes: [`The sum runs over the i = 1..${DATA.m} examples; no 1/m here (it is in J).`],
    };
  }

  function wEq(l, j, k) {
    return { id: "w", title: "The weight", lhs: sym("w", [j + 1, k + 1], l),
             value: LAYER[l].W[j][k], terms: [edgeId(l, j, k)] };
  }

  function dWEq(l, j, k) {
    const C = LAYER[l], P = LAYER[l - 1], is = range(DATA.m);
    const eq = {
      id: "dW", title: "Gradient: ∂J/∂w, over all examples (eq:dw_scalar)",
      lhs: dJ(sym("w", [j + 1, k + 1], l)),
      symbolic: row(sum("i"), dJ(sym("z", [j + 1, "i"], l)), act([k + 1, "i"], l - 1)),
      numbers: parts(is.map((i) => times(factor(C.dZ[j][i]), factor(P.A[k][i])))),
      value: C.dW[j][k], terms: [edgeId(l, j, k), nodeId(l, j), nodeId(l - 1, k)],
      notes: [`The sum runs over the i = 1..${DATA.m} examples; no 1/m here (it is in J).`],
    };
    if (DATA.l2 > 0) {
      eq.symbolic = row(eq.symbolic, mo("+"), frac(mi("λ"), mi("m")), sym("w", [j + 1, k + 1], l));
      eq.numbers = [...eq.numbers, row(frac(num(DATA.l2), mn(DATA.m)), mo("·"),
                                       factor(C.W[j][k]))];
      eq.notes.push("The L2 term λ/(2m) ∑ w² of J adds (λ/m) w.");
    }
    return eq;
  }

  /* eq:J, J = f(A^[L], Y) written out for the cost: every term (j, i) as the cost kernel
     computed it, with the L2 penalty last */
  function jEq() {
    const m = DATA.m, n = DATA.sizes[L], mse = DATA.cost === "mean_squared_error";
    const A = sym("a", ["j", "i"], L), Y = sym("y", ["j", "i"], null);
    const sums = row(sum("i"), sum("j"));
    const oneMinus = (x) => row(mn(1), mo("−"), x);
    const paren = (...x) => row(mo("("), ...x, mo(")"));
    let symbolic;
    if (mse) {
      symbolic = row(frac(mn(1), row(mn(2), mi("m"))), sums,
                     `<msup>${paren(A, mo("−"), Y)}${mn(2)}</msup>`);
    } else if (DATA.cost === "categorical_cross_entropy") {
      symbolic = row(mo("−"), frac(mn(1), mi("m")), sums, Y, fn("log", A));
    } else {
      symbolic = row(mo("−"), frac(mn(1), mi("m")), sums,
                     paren(Y, fn("log", A), mo("+"), paren(oneMinus(Y)), fn("log", oneMinus(A))));
    }
    const all = [];
    for (const i of range(m)) for (const j of range(n)) all.push(factor(DATA.J_terms[j][i]));
    let numbers = parts(all, J_SHOWN);
    const notes = [`J sums ${n * m} terms${n * m > J_SHOWN ? " (the first and last shown)" : ""}, one per output node j = 1..${n} and example ` +
                   `i = 1..${m} (i outside, j inside), each already ` +
                   (mse ? "divided by 2m." : "negated and divided by m.")];
    if (DATA.l2 > 0) {
      symbolic = row(symbolic, mo("+"), frac(mi("λ"), row(mn(2), mi("m"))), sum("l"), sum("j"),
                     sum("k"), `<msup>${paren(sym("w", ["j", "k"], "l"))}${mn(2)}</msup>`);
      numbers = [...numbers, factor(DATA.l2_penalty)];
      notes.push(`The last term is the L2 penalty, λ = ${DATA.l2}.`);
    }
    if (DATA.fused) notes.push("Each term is computed as the kernels compute J, from z^[L].");
    notes.push("Click an output node for its seed ∂J/∂a, where backpropagation starts.");
    return { id: "J", title: `The cost (eq:J), ${DATA.cost}`, lhs: mi("J"), symbolic, numbers,
             value: DATA.J, terms: range(n).map((j) => nodeId(L, j)), notes };
  }

  /* the equations of a selection: {kind: "node" | "edge" | "cost", l, j, k}, 0-based j, k */
  function equationsOf(sel, i) {
    if (sel.kind === "cost") return [jEq()];
    if (sel.kind === "edge") return [wEq(sel.l, sel.j, sel.k), dWEq(sel.l, sel.j, sel.k)];
    const { l, j } = sel;
    if (l === 0) return [inputEq(j, i), dAprevEq(0, j, i)];
    return [zEq(l, j, i), aEq(l, j, i), l === L ? seedEq(j, i) : dAprevEq(l, j, i),
            dZEq(l, j, i), dbEq(l, j)];
  }

  return { equationsOf, nodeId, edgeId };
};


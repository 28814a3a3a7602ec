/* The Step mode and the strip of the m examples of the explorer page of ffnn-numba (inlined
   after equations.js by ffnn_numba/explore.py). Steps walk the derivation's order: z^[1],
   a^[1], ..., z^[L], a^[L], J, the seed ∂J/∂a^[L], then for l = L..1 ∂J/∂z^[l], ∂J/∂w^[l],
   ∂J/∂b^[l], ∂J/∂a^[l-1]. Each step has its vectorized equation with shapes, the scalar
   equation of one entry (equations.js) and the grids (rows j, columns i) it reads and
   writes. Like equations.js it computes nothing: every number is the page's data. */
"use strict";
const Steps = function (DATA, EQ) {
  const { mi, mo, mn, row, sym, frac, fn, cap, dcap, tr, shape, esc } = MathML;
  const L = DATA.sizes.length - 1;
  const LAYER = DATA.layers;
  const n = (l) => DATA.sizes[l];
  const m = DATA.m;

  /* the steps: {key, l}; key is the page's name of the quantity computed (Z, A, J, dA, dZ,
     dW, db) and l its layer (for dA, the layer of the ∂J/∂a computed) */
  const STEPS = [];
  for (let l = 1; l <= L; l++) STEPS.push({ key: "Z", l }, { key: "A", l });
  STEPS.push({ key: "J", l: L }, { key: "dA", l: L });
  for (let l = L; l >= 1; l--) {
    STEPS.push({ key: "dZ", l }, { key: "dW", l }, { key: "db", l }, { key: "dA", l: l - 1 });
  }

  const A = (l) => (l === 0 ? mi("X") : cap("A", l));
  /* a chip's label (the library's names: dZ^[l] is ∂J/∂Z^[l]) */
  const chip = (step) => (step.key === "J" ? mi("J") : cap(step.key, step.l));

  /* the step's title (text) and its vectorized equation with the shapes (MathML) */
  function vector(step) {
    const { key, l } = step, g = DATA.activations[l - 1];
    const eq = (lhs, rhs, shapes) => ({ math: row(lhs, mo("="), rhs), shapes });
    switch (key) {
      case "Z": return { title: `Forward: the weighted sums of layer ${l} (eq:Z)`,
        ...eq(cap("Z", l), row(cap("W", l), A(l - 1), mo("+"), cap("b", l)),
                 row(shape(n(l), m), mo("="), shape(n(l), n(l - 1)), shape(n(l - 1), m),
                     mo("+"), shape(n(l), 1))),
        note: `b^[${l}] is added to every column i = 1..${m}.` };
      case "A": return { title: `Forward: the activations of layer ${l}, ${g} (eq:A)`,
        ...eq(cap("A", l), fn(g, cap("Z", l)), shape(n(l), m)),
        note: DATA.coupled[l - 1] ? `${g} is taken column by column: a_{:,i} reads all of z_{:,i}.`
          : `${g} is taken entry by entry.` };
      case "J": return { title: `The cost J over the ${m} examples (eq:J), ${DATA.cost}`,
        ...eq(mi("J"), fn("f", row(cap("A", L), mo(","), mi("Y"))), row(shape(1, 1))),
        note: `One term per entry of A^[${L}]: ${n(L)} × ${m} = ${n(L) * m} terms, all below.` };
      case "dA": return l === L
        ? { title: `Backward: the seed ∂J/∂A^[${L}], from the cost`,
            ...eq(dcap("A", L), row(frac(row("<mi mathvariant=\"normal\">∂</mi>", mi("f")),
                                             row("<mi mathvariant=\"normal\">∂</mi>", cap("A", L)))),
                     shape(n(L), m)),
            note: DATA.fused ? "The kernels skip this seed at this fused output (the next step " +
              "gives (A − Y)/m directly); it is shown as the chain rule starts it." : "" }
        : { title: `Backward: ∂J/∂A^[${l}] from layer ${l + 1} (eq:dA_prev)`,
            ...eq(dcap("A", l), row(tr(cap("W", l + 1)), dcap("Z", l + 1)),
                     row(shape(n(l), m), mo("="), shape(n(l), n(l + 1)), shape(n(l + 1), m))),
            note: l === 0 ? "The last step: the inputs need no gradient, but the chain reaches them."
              : "" };
      case "dZ": return { title: `Backward: ∂J/∂Z^[${l}] (eq:dZ)`,
        ...(DATA.coupled[l - 1]
          ? eq(row(dJz(l)), row(frac(row("<mi mathvariant=\"normal\">∂</mi>", sym("a", [":", "i"], l)),
                                     row("<mi mathvariant=\"normal\">∂</mi>", sym("z", [":", "i"], l))),
                                dJa(l)), shape(n(l), 1))
          : eq(dcap("Z", l), row(dcap("A", l), mo("⊙"), fn(`${g}′`, cap("Z", l))), shape(n(l), m))),
        note: DATA.coupled[l - 1] ? `One Jacobian (${n(l)} × ${n(l)}) per column i.` : "" };
      case "dW": return { title: `Gradient: ∂J/∂W^[${l}], a sum over the examples (eq:dW)`,
        ...eq(dcap("W", l), row(dcap("Z", l), tr(A(l - 1))),
                 row(shape(n(l), n(l - 1)), mo("="), shape(n(l), m), shape(m, n(l - 1)))),
        note: `Entry (j, k) is row j of ∂J/∂Z^[${l}] times row k of ${l === 1 ? "X" : `A^[${l - 1}]`}, ` +
          `summed over the ${m} columns i.` + (DATA.l2 > 0 ? ` Plus (λ/m) W^[${l}] from L2.` : "") };
      default: return { title: `Gradient: ∂J/∂b^[${l}], a sum over the examples (eq:db)`,
        ...eq(dcap("b", l), row(`<munder>${mo("∑")}${mi("i")}</munder>`, dJz(l)),
                 shape(n(l), 1)),
        note: `Entry j is the sum of row j of ∂J/∂Z^[${l}] over the ${m} columns i.` };
    }
  }
  const dJz = (l) => MathML.dJ(sym("z", [":", "i"], l));
  const dJa = (l) => MathML.dJ(sym("a", [":", "i"], l));

  /* the scalar equation of entry (j, k, i) of the step */
  function scalar(step, j, k, i) {
    const { key, l } = step, sel = { kind: "node", l, j };
    const forNode = EQ.equationsOf(sel, i);
    switch (key) {
      case "J": return EQ.equationsOf({ kind: "cost" }, i)[0];
      case "dW": return EQ.equationsOf({ kind: "edge", l, j, k }, i)[1];
      case "Z": return forNode[0];
      case "A": return forNode[1];
      case "dA": return l === 0 ? forNode[1] : forNode[2];
      case "dZ": return forNode[3];
      default: return forNode[4];
    }
  }

  /* a grid: a matrix (rows, columns) with its name, the letters of its indices and the
     highlighted row, column and cell */
  const grid = (name, M, rowName, colName, hi) => ({ name, M, rowName, colName, ...hi });
  const nodeGrids = (l, j, i) => {
    const C = LAYER[l], out = [];
    if (l > 0) out.push(grid(cap("Z", l), C.Z, "j", "i", { row: j, col: i }));
    out.push(grid(A(l), C.A, "j", "i", { row: j, col: i }));
    out.push(grid(dcap("A", l), C.dA, "j", "i", { row: j, col: i }));
    if (l > 0) out.push(grid(dcap("Z", l), C.dZ, "j", "i", { row: j, col: i }),
                        grid(dcap("b", l), C.db, "j", "", { row: j }));
    return out;
  };

  /* the grids a step reads and the one it writes (last), for entry (j, k, i) */
  function grids(step, j, k, i) {
    const { key, l } = step, C = LAYER[l], P = LAYER[l - 1];
    switch (key) {
      case "Z": return [grid(cap("W", l), C.W, "j", "k", { row: j }),
        grid(A(l - 1), P.A, "k", "i", { col: i }), grid(cap("b", l), C.b, "j", "", { row: j }),
        grid(cap("Z", l), C.Z, "j", "i", { cell: [j, i] })];
      case "A": return [grid(cap("Z", l), C.Z, "j", "i",
        DATA.coupled[l - 1] ? { col: i } : { cell: [j, i] }),
        grid(cap("A", l), C.A, "j", "i", { cell: [j, i] })];
      case "J": return [grid(cap("A", L), LAYER[L].A, "j", "i", { all: true }),
        grid(mi("Y"), DATA.Y, "j", "i", { all: true }),
        grid(row(mi("terms"), mo(" "), mi("of"), mo(" "), mi("J")), DATA.J_terms, "j", "i",
             { all: true })];
      case "dA": return l === L
        ? [grid(cap("A", L), C.A, "j", "i", { cell: [j, i] }),
           grid(mi("Y"), DATA.Y, "j", "i", { cell: [j, i] }),
           grid(dcap("A", L), C.dA, "j", "i", { cell: [j, i] })]
        : [grid(tr(cap("W", l + 1)), transpose(LAYER[l + 1].W), "k", "j", { row: j }),
           grid(dcap("Z", l + 1), LAYER[l + 1].dZ, "j", "i", { col: i }),
           grid(dcap("A", l), C.dA, "k", "i", { cell: [j, i] })];
      case "dZ": return [grid(dcap("A", l), C.dA, "j", "i",
        DATA.coupled[l - 1] ? { col: i } : { cell: [j, i] }),
        C.dadz ? grid(fn(`${DATA.activations[l - 1]}′`, cap("Z", l)), C.dadz, "j", "i", { cell: [j, i] })
          : grid(cap("A", l), C.A, "j", "i", { col: i }),
        grid(dcap("Z", l), C.dZ, "j", "i", { cell: [j, i] })];
      case "dW": return [grid(dcap("Z", l), C.dZ, "j", "i", { row: j }),
        grid(tr(A(l - 1)), transpose(P.A), "i", "k", { col: k }),
        grid(dcap("W", l), C.dW, "j", "k", { cell: [j, k] })];
      default: return [grid(dcap("Z", l), C.dZ, "j", "i", { row: j }),
        grid(dcap("b", l), C.db, "j", "", { cell: [j, 0] })];
    }
  }
  const transpose = (M) => M[0].map((_, c) => M.map((r) => r[c]));

  /* the strip of a selection outside the Step mode */
  function selectionGrids(sel, i) {
    if (sel.kind === "cost") return grids({ key: "J", l: L }, 0, 0, i);
    if (sel.kind === "edge") return grids({ key: "dW", l: sel.l }, sel.j, sel.k, i);
    return nodeGrids(sel.l, sel.j, i);
  }

  /* what the figure shows after step s (-1: before the first): per layer, the name of the
     latest quantity of its nodes (Z, A, dA, dZ) or null when none is known yet */
  function known(s) {
    const latest = [ "A", ...Array(L).fill(null)];
    for (const step of STEPS.slice(0, s + 1)) {
      if (["Z", "A", "dA", "dZ"].includes(step.key)) latest[step.l] = step.key;
    }
    return latest;
  }

  /* the row the step's entry is in: a layer's j, or k of the previous layer */
  const rowsOf = (step) => (step.key === "J" ? n(L) : n(step.l));

  return { STEPS, chip, vector, scalar, grids, selectionGrids, known, rowsOf, esc, mn };
};

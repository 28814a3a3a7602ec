/* The explorer page of ffnn-numba (inlined into each page by ffnn_numba/explore.py, after
   mathml.js, equations.js and steps.js): the figure's clicks, taps, keys and hovers, the
   controls, the Step mode, the strip of the m examples and the panel that shows the
   equations of the selection (equations.js) for the chosen example. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("ffnn-data").textContent);
  const L = DATA.sizes.length - 1;
  const LAYER = DATA.layers;
  const svg = document.querySelector("#figure svg");
  const RADIUS = 26; // ffnn_numba._figure_svg.NODE_RADIUS
  const EQ = Equations(DATA);
  const S = Steps(DATA, EQ);
  const { esc, mi, mo, row, sym, num, plain } = MathML;
  const { equationsOf, nodeId, edgeId } = EQ;
  let example = 0;
  let selected = null;     // outside the Step mode: {kind, l, j, k}
  let step = -1;           // the Step mode's step (index into S.STEPS); -1 outside it
  const focus = { j: 0, k: 0 };   // the entry a step shows
  let pinned = null;       // the id of the equation whose terms stay highlighted

  // -- equations as HTML -------------------------------------------------------------------
  const line = (math) => `<div class="line"><math>${math}</math></div>`;
  /* a sum: one <math> per term, on one line where they fit, else one per line (fit()) */
  const plus = '<mo form="infix">+</mo>';
  const sumLine = (parts, lhs = "") => `<div class="line sum">` + parts.map((p, t) =>
    `<math>${t ? row(plus, p) : row(lhs, mo("="), p)}</math>`).join("") + "</div>";

  function html(eq) {
    const result = `<mrow class="result" data-value="${esc(eq.value)}">${num(eq.value, 8)}</mrow>`;
    const symbolic = [].concat(eq.symbolic === undefined ? [] : eq.symbolic);
    const lines = symbolic.length === 0 ? [line(row(eq.lhs, mo("="), result))]
      : [line(row(eq.lhs, mo("="), symbolic[0])),
         ...symbolic.slice(1).map((s) => line(row(mo("="), s))),
         Array.isArray(eq.numbers) ? sumLine(eq.numbers) : line(row(mo("="), eq.numbers)),
         ...(eq.where ? [sumLine(eq.where.parts, row(mi("where"), mo(" "), eq.where.lhs))] : []),
         ...(eq.shortcut || []).map((s) => line(row(mo("="), s))), line(row(mo("="), result))];
    return `<div class="equation" id="eq-${eq.id}" tabindex="0" role="button" ` +
      `aria-pressed="false" data-terms="${esc(JSON.stringify(eq.terms))}">` +
      `<h3>${esc(eq.title)}</h3>` + lines.join("") +
      (eq.notes || []).map((note) => `<p class="note">${esc(note)}</p>`).join("") + "</div>";
  }

  /* every sum on one line where it fits, else one term per line */
  function fit() {
    for (const sum of document.querySelectorAll(".line.sum")) {
      sum.classList.remove("broken");
      if (sum.scrollWidth > sum.clientWidth + 1) sum.classList.add("broken");
    }
  }

  // -- the strip of the m examples -----------------------------------------------------------
  function gridHtml(g) {
    const rows = g.M.length, cols = g.M[0].length;
    const hi = (r, c) => (g.all || (g.cell && g.cell[0] === r && g.cell[1] === c) ? "hi-cell"
      : (g.row === r ? "hi-row" : "") + (g.col === c ? " hi-col" : ""));
    const head = (letter, x) => (letter ? `${esc(letter)} = ${x + 1}` : "");
    let out = `<figure class="grid"><figcaption><math>${g.name}</math> ` +
      `<span class="shape">${rows} × ${cols}</span></figcaption><table><thead><tr><th></th>`;
    for (let c = 0; c < cols; c++) out += `<th scope="col">${head(g.colName, c)}</th>`;
    out += "</tr></thead><tbody>";
    for (let r = 0; r < rows; r++) {
      out += `<tr><th scope="row">${head(g.rowName, r)}</th>`;
      for (let c = 0; c < cols; c++) {
        out += `<td class="${hi(r, c)}" data-r="${r}" data-c="${c}" data-cols="${esc(g.colName)}"` +
          ` data-rows="${esc(g.rowName)}">${esc(plain(g.M[r][c]))}</td>`;
      }
      out += "</tr>";
    }
    return out + "</tbody></table></figure>";
  }

  function showStrip(grids) {
    document.getElementById("strip-grids").innerHTML = grids.map(gridHtml).join("");
  }

  // -- the figure ----------------------------------------------------------------------------
  function mark(ids, cls, on) {
    for (const id of ids) {
      const element = document.getElementById(id);
      if (element) element.classList.toggle(cls, on);
    }
  }
  function clear(...classes) {
    for (const cls of classes) {
      for (const element of svg.querySelectorAll(`.${cls}`)) element.classList.remove(cls);
    }
  }
  const PREFIX = { Z: "z", A: "a", dA: "∂J/∂a", dZ: "∂J/∂z" };
  /* each node's number, named: `latest[l]` the quantity shown for layer l (null: none yet) */
  function showNodeValues(latest) {
    for (const label of svg.querySelectorAll(".live-value")) {
      const l = Number(label.dataset.l), j = Number(label.dataset.j) - 1, key = latest[l];
      const values = key ? LAYER[l][key] : undefined;
      const name = l === 0 && key === "A" ? "x" : PREFIX[key];
      label.textContent = values ? `${name} = ${plain(values[j][example])}` : "";
      const node = document.getElementById(nodeId(l, j));
      if (node) node.classList.toggle("pending", !values && step >= 0);
    }
  }

  // -- the panel ---------------------------------------------------------------------------
  function wireEquations(box) {
    for (const eq of box.querySelectorAll(".equation")) {
      const ids = JSON.parse(eq.dataset.terms);
      const on = () => mark(ids, "hover-term", true), off = () => mark(ids, "hover-term", false);
      eq.addEventListener("mouseenter", on);
      eq.addEventListener("mouseleave", off);
      eq.addEventListener("focus", on);
      eq.addEventListener("blur", off);
      eq.addEventListener("click", () => pin(pinned === eq.id ? null : eq.id));
      eq.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          pin(pinned === eq.id ? null : eq.id);
        }
      });
    }
  }

  /* pin the highlight of an equation's terms (null: unpin) */
  function pin(id) {
    clear("pinned-term");
    for (const eq of document.querySelectorAll(".equation.pinned")) {
      eq.classList.remove("pinned");
      eq.setAttribute("aria-pressed", "false");
    }
    const eq = id && document.getElementById(id);
    pinned = eq ? id : null;
    if (!eq) return;
    eq.classList.add("pinned");
    eq.setAttribute("aria-pressed", "true");
    mark(JSON.parse(eq.dataset.terms), "pinned-term", true);
  }

  function render() {
    const title = document.getElementById("panel-title");
    const box = document.getElementById("equations");
    const keep = pinned;
    clear("selected", "hover-term", "step-layer");
    document.body.classList.toggle("stepping", step >= 0);
    document.getElementById("step-prev").disabled = step < 0;
    document.getElementById("step-next").disabled = step === S.STEPS.length - 1;
    document.getElementById("step-exit").hidden = step < 0;
    for (const [s, chip] of document.querySelectorAll("#steps button").entries()) {
      chip.classList.toggle("done", s < step);
      chip.classList.toggle("current", s === step);
      chip.setAttribute("aria-current", s === step ? "step" : "false");
    }
    if (step >= 0) {
      const st = S.STEPS[step], v = S.vector(st);
      focus.j = Math.min(focus.j, S.rowsOf(st) - 1);
      focus.k = st.l > 0 ? Math.min(focus.k, DATA.sizes[st.l - 1] - 1) : 0;
      const eq = S.scalar(st, focus.j, focus.k, example);
      document.getElementById("step-where").textContent =
        `step ${step + 1} of ${S.STEPS.length}`;
      title.innerHTML = `Step ${step + 1} of ${S.STEPS.length}: ${esc(v.title)}`;
      box.innerHTML = `<div class="vector">${line(v.math)}` +
        `<div class="line shapes"><math>${row(mi("shapes"), mo(":"), v.shapes)}</math></div>` +
        (v.note ? `<p class="note">${esc(v.note)}</p>` : "") + "</div>" + html(eq);
      showStrip(S.grids(st, focus.j, focus.k, example));
      showNodeValues(S.known(step));
      if (st.key !== "J") {
        const layer = st.key === "dW" || st.key === "db" ? st.l : st.l;
        for (const node of svg.querySelectorAll(`g.node[data-l="${layer}"]`)) {
          node.classList.add("step-layer");
        }
        if (st.key === "dW") {
          for (const e of svg.querySelectorAll(`line.edge[data-l="${st.l}"]`)) e.classList.add("step-layer");
          mark([edgeId(st.l, focus.j, focus.k)], "selected", true);
        } else {
          mark([nodeId(st.l, focus.j)], "selected", true);
        }
      }
    } else {
      document.getElementById("step-where").textContent = "";
      const { kind, l, j, k } = selected;
      if (kind === "cost") {
        title.innerHTML = `The cost <math>${mi("J")}</math>, over all ${esc(DATA.m)} examples`;
      } else {
        const what = kind === "edge" ? sym("w", [j + 1, k + 1], l)
          : (l === 0 ? sym("x", [j + 1], null) : sym("a", [j + 1], l));
        title.innerHTML = `${kind === "edge" ? "Weight" : "Node"} <math>${what}</math>, ` +
          `example i = ${example + 1}`;
        mark([kind === "edge" ? edgeId(l, j, k) : nodeId(l, j)], "selected", true);
      }
      box.innerHTML = equationsOf(selected, example).map(html).join("");
      showStrip(S.selectionGrids(selected, example));
      const key = document.getElementById("shown").value;
      showNodeValues(DATA.sizes.map(() => key || null));
    }
    wireEquations(box);
    pin(keep && document.getElementById(keep) ? keep : null);
    fit();
  }

  function select(sel) {
    step = -1;
    selected = sel;
    pinned = null;
    render();
  }

  function goTo(s) {
    step = Math.max(0, Math.min(S.STEPS.length - 1, s));
    pinned = null;
    render();
    if (step >= 0) pin(document.querySelector("#equations .equation").id);
  }

  // -- setting up ------------------------------------------------------------------------------
  function setUpFigure() {
    const ns = "http://www.w3.org/2000/svg";
    const hits = document.createElementNS(ns, "g");
    hits.setAttribute("class", "edge-hits");
    for (const line of svg.querySelectorAll("line.edge")) {   // wide, invisible: easy to hit
      const hit = line.cloneNode(false);
      hit.removeAttribute("id");
      hit.removeAttribute("tabindex");
      hit.setAttribute("class", "edge-hit");
      hit.dataset.edge = line.id;
      hits.appendChild(hit);
      const { l, j, k } = line.dataset;
      line.setAttribute("tabindex", "0");
      line.setAttribute("role", "button");
      line.setAttribute("aria-label", `weight w_${j},${k}^[${l}]`);
    }
    svg.querySelector("g.edges").after(hits);
    for (const node of svg.querySelectorAll("g.node")) {
      const circle = node.querySelector("circle");
      const label = document.createElementNS(ns, "text");
      label.setAttribute("class", "live-value");
      label.setAttribute("x", circle.getAttribute("cx"));
      label.setAttribute("y", Number(circle.getAttribute("cy")) + RADIUS + 15);
      label.setAttribute("text-anchor", "middle");
      label.dataset.l = node.dataset.l;
      label.dataset.j = node.dataset.j;
      svg.appendChild(label);
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      const name = node.querySelector("title");
      node.setAttribute("aria-label", `node ${name ? name.textContent : ""}`);
    }
    const choose = (source) => {
      const { l, j, k } = source.dataset;
      select({ kind: source.matches("g.node") ? "node" : "edge", l: Number(l), j: Number(j) - 1,
               k: k === undefined ? undefined : Number(k) - 1 });
    };
    const sourceOf = (target) => (target.dataset && target.dataset.edge
      ? document.getElementById(target.dataset.edge)
      : target.closest("g.node, line.edge"));
    svg.addEventListener("click", (event) => {   // a tap is a click
      const source = sourceOf(event.target);
      if (source) choose(source);
    });
    svg.addEventListener("keydown", (event) => {
      const source = (event.key === "Enter" || event.key === " ") && sourceOf(event.target);
      if (!source) return;
      event.preventDefault();
      choose(source);
      source.focus();
    });
  }

  /* the figure's view box cut to what it draws (its margins are for a page of its own), so
     that at a narrow width the drawing takes all of the column; never wider than drawn */
  function crop() {
    let box = null;
    for (const label of svg.querySelectorAll(".live-value")) label.textContent = "∂J/∂z = −0.0000";
    for (const child of svg.children) {
      if (!child.getBBox || child.matches("rect.background, title")) continue;
      const b = child.getBBox();
      if (b.width === 0 && b.height === 0) continue;
      box = box === null ? { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height }
        : { x0: Math.min(box.x0, b.x), y0: Math.min(box.y0, b.y),
            x1: Math.max(box.x1, b.x + b.width), y1: Math.max(box.y1, b.y + b.height) };
    }
    const pad = 10, vb = svg.viewBox.baseVal;
    const x0 = Math.max(vb.x, box.x0 - pad), y0 = Math.max(vb.y, box.y0 - pad);
    const w = Math.min(vb.x + vb.width, box.x1 + pad) - x0;
    const h = Math.min(vb.y + vb.height, box.y1 + pad) - y0;
    svg.setAttribute("viewBox", `${x0} ${y0} ${w} ${h}`);
    svg.setAttribute("width", String(Math.round(w)));
    svg.setAttribute("height", String(Math.round(h)));
    document.getElementById("figure").style.maxWidth = `${Math.round(w) + 2}px`;
  }

  function setUpControls() {
    const bar = document.getElementById("steps");
    bar.innerHTML = S.STEPS.map((st, s) => `<li><button type="button" data-step="${s}" data-key="${st.key}" data-l="${st.l}" ` +
      `aria-label="step ${s + 1}"><math>${S.chip(st)}</math></button></li>`).join("");
    bar.addEventListener("click", (event) => {
      const chip = event.target.closest("button");
      if (chip) goTo(Number(chip.dataset.step));
    });
    document.getElementById("step-next").addEventListener("click", () => goTo(step + 1));
    document.getElementById("step-prev").addEventListener("click", () => goTo(step - 1));
    document.getElementById("step-exit").addEventListener("click", () => select(selected));
    document.getElementById("strip-grids").addEventListener("click", (event) => {
      const cell = event.target.closest("td");
      if (!cell) return;
      const r = Number(cell.dataset.r), c = Number(cell.dataset.c);
      if (cell.dataset.cols === "i") example = c;
      if (cell.dataset.rows === "i") example = r;
      document.getElementById("example").value = String(example);
      if (step >= 0) {
        if (cell.dataset.rows === "j" || cell.dataset.rows === "k") focus.j = r;
        if (cell.dataset.cols === "k") focus.k = c;
        render();
        pin(document.querySelector("#equations .equation").id);
      } else if (selected.kind === "node" && cell.dataset.rows === "j") {
        select({ ...selected, j: r });
      } else {
        render();
      }
    });
    document.getElementById("example").addEventListener("change", (event) => {
      example = Number(event.target.value);
      render();
    });
    document.getElementById("shown").addEventListener("change", render);
    document.getElementById("cost").addEventListener("click", () => select({ kind: "cost" }));
    document.addEventListener("keydown", (event) => {
      if (event.target.closest && event.target.closest("select, input, textarea")) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "Escape") pin(null);
      else if (event.key === "ArrowRight") { event.preventDefault(); goTo(step + 1); }
      else if (event.key === "ArrowLeft" && step >= 0) { event.preventDefault(); goTo(step - 1); }
    });
    let width = window.innerWidth;
    window.addEventListener("resize", () => {
      if (window.innerWidth !== width) { width = window.innerWidth; fit(); }
    });
  }

  setUpFigure();
  setUpControls();
  crop();
  select({ kind: "node", l: L, j: 0 });
})();

/* The explorer page of ffnn-numba (inlined into each page by ffnn_numba/explore.py, after
   mathml.js and equations.js): the figure's clicks, hovers and controls, and the panel that
   shows the equations of the selection (equations.js) for the chosen example. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("ffnn-data").textContent);
  const L = DATA.sizes.length - 1;
  const LAYER = DATA.layers;
  const svg = document.querySelector("#figure svg");
  const RADIUS = 26; // ffnn_numba._figure_svg.NODE_RADIUS
  let example = 0;
  let selected = null;

  const { esc, mi, mo, row, sym, num, plain } = MathML;
  const { equationsOf, nodeId, edgeId } = Equations(DATA);

  // -- the page ----------------------------------------------------------------------------
  function html(eq) {
    const result = `<mrow class="result" data-value="${esc(eq.value)}">${num(eq.value, 8)}</mrow>`;
    const lines = eq.symbolic === undefined
      ? [row(eq.lhs, mo("="), result)]
      : [row(eq.lhs, mo("="), eq.symbolic), row(mo("="), eq.numbers),
         ...(eq.shortcut || []).map((line) => row(mo("="), line)), row(mo("="), result)];
    return `<div class="equation" id="eq-${eq.id}" data-terms="${esc(JSON.stringify(eq.terms))}">` +
      `<h3>${esc(eq.title)}</h3>` +
      lines.map((line) => `<div class="line"><math>${line}</math></div>`).join("") +
      (eq.notes || []).map((note) => `<p class="note">${esc(note)}</p>`).join("") + "</div>";
  }

  function mark(ids, cls, on) {
    for (const id of ids) {
      const element = document.getElementById(id);
      if (element) element.classList.toggle(cls, on);
    }
  }

  function showPanel() {
    const title = document.getElementById("panel-title");
    const box = document.getElementById("equations");
    if (selected === null) { box.innerHTML = ""; return; }
    const { kind, l, j, k } = selected;
    if (kind === "cost") {
      title.innerHTML = `The cost <math>${mi("J")}</math>, over all ${esc(DATA.m)} examples`;
    } else {
      const what = kind === "edge"
        ? sym("w", [j + 1, k + 1], l)
        : (l === 0 ? sym("x", [j + 1], null) : sym("a", [j + 1], l));
      title.innerHTML = `${kind === "edge" ? "Weight" : "Node"} <math>${what}</math>, ` +
        `example i = ${example + 1}`;
    }
    box.innerHTML = equationsOf(selected, example).map(html).join("");
    for (const eq of box.querySelectorAll(".equation")) {
      const ids = JSON.parse(eq.dataset.terms);
      eq.addEventListener("mouseenter", () => mark(ids, "hover-term", true));
      eq.addEventListener("mouseleave", () => mark(ids, "hover-term", false));
    }
  }

  function select(sel) {
    for (const cls of ["selected", "hover-term"]) {
      for (const element of svg.querySelectorAll(`.${cls}`)) element.classList.remove(cls);
    }
    selected = sel;
    if (sel.kind !== "cost") {
      const id = sel.kind === "edge" ? edgeId(sel.l, sel.j, sel.k) : nodeId(sel.l, sel.j);
      document.getElementById(id).classList.add("selected");
    }
    showPanel();
  }

  function showNodeValues() {
    const key = document.getElementById("shown").value;
    for (const label of svg.querySelectorAll(".live-value")) {
      const values = key ? LAYER[Number(label.dataset.l)][key] : undefined;
      label.textContent = values ? plain(values[Number(label.dataset.j) - 1][example]) : "";
    }
  }

  function setUp() {
    const ns = "http://www.w3.org/2000/svg";
    const hits = document.createElementNS(ns, "g");
    hits.setAttribute("class", "edge-hits");
    for (const line of svg.querySelectorAll("line.edge")) {   // wide, invisible: easy to click
      const hit = line.cloneNode(false);
      hit.removeAttribute("id");
      hit.setAttribute("class", "edge-hit");
      hit.dataset.edge = line.id;
      hits.appendChild(hit);
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
    }
    svg.addEventListener("click", (event) => {
      const node = event.target.closest("g.node");
      const edge = event.target.dataset.edge
        ? document.getElementById(event.target.dataset.edge)
        : event.target.closest("line.edge");
      const source = node || edge;
      if (!source) return;
      const { l, j, k } = source.dataset;
      select({ kind: node ? "node" : "edge", l: Number(l), j: Number(j) - 1,
               k: k === undefined ? undefined : Number(k) - 1 });
    });
    document.getElementById("example").addEventListener("change", (event) => {
      example = Number(event.target.value);
      showNodeValues();
      showPanel();
    });
    document.getElementById("shown").addEventListener("change", showNodeValues);
    document.getElementById("cost").addEventListener("click", () => select({ kind: "cost" }));
    showNodeValues();
    select({ kind: "node", l: L, j: 0 });
  }

  setUp();
})();

// The tablero: filters apply as soon as they change; "Print" prints; charts are drawn from the
// figures the server built (JSON in <script type="application/json">) with the locally served
// Plotly.js. Without JavaScript the filter form still works with its "Apply" button.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var form = document.getElementById("tablero-filters");
    if (form) {
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () { form.submit(); });
      });
    }
    var print = document.getElementById("print-link");
    if (print) print.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
    var charts = document.querySelectorAll("[data-figure]");
    if (!charts.length || typeof window.Plotly === "undefined") return;
    charts.forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, {
        responsive: true, displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      }).then(function () { el.dataset.drawn = "1"; });
    });
  });
})();

// Draws every chart whose figure sits in a <script type="application/json" data-chart="ID">,
// then tucks the chart's data table behind a button (without JavaScript the table shows).
(function () {
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (node) {
      var id = node.getAttribute("data-chart");
      var target = document.getElementById(id);
      var table = document.getElementById(id + "-table");
      if (!target) { return; }
      var fig = JSON.parse(node.textContent);
      Plotly.newPlot(target, fig.data, fig.layout || {}, {
        displayModeBar: false, responsive: true, locale: document.documentElement.lang || "en"
      });
      if (table) {
        table.hidden = true;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = table.getAttribute("data-show") || "Data";
        button.setAttribute("aria-expanded", "false");
        button.addEventListener("click", function () {
          table.hidden = !table.hidden;
          button.setAttribute("aria-expanded", String(!table.hidden));
        });
        table.parentNode.insertBefore(button, table);
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

// Small behaviours of the signed-in pages, kept out of the markup so that the
// Content-Security-Policy allows no inline script.
(function () {
  // on a phone, a table of a few columns reads as one card per row: each cell is labelled
  // with its column's header (style.css shows the labels under 40rem)
  function labelCells(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length || heads.length > 8) { table.classList.add("scroll"); return; }
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (heads[i] && !td.hasAttribute("data-label")) { td.setAttribute("data-label", heads[i]); }
      });
    });
    table.classList.add("stack");
  }
  // the navigation folds into a "Menu" button on small screens and is a row of links on wide ones
  function foldMenu() {
    var menu = document.querySelector("details[data-menu]");
    if (!menu || !window.matchMedia) { return; }
    var small = window.matchMedia("(max-width: 48rem)");
    var follow = function () { menu.open = !small.matches; };
    follow();
    small.addEventListener("change", follow);
  }
  function start() {
    document.querySelectorAll("main table").forEach(labelCells);
    foldMenu();
    // the language switch takes effect when a language is picked (the OK button is for no JavaScript)
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

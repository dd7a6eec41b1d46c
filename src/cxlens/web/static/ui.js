// Small behaviours of the signed-in pages, kept out of the markup so that the
// Content-Security-Policy allows no inline script.
(function () {
  function start() {
    // the language switch takes effect when a language is picked (the OK button is for no JavaScript)
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

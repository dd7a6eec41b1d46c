// The survey page saves each question as soon as it is answered: a chosen score (or the
// comment, when the customer leaves the box) is posted to the invitation's signed link
// (/s/<token>/save). The answer stays partial, and changeable, until the survey's button
// sends the whole form, which works without this script too (as does the "finish later"
// button, which this script hides: there is nothing left to save by hand).
(function () {
  function start() {
    var form = document.querySelector("form[data-save]");
    if (!form) { return; }
    var url = form.getAttribute("data-save");
    var problem = form.querySelector("[data-save-problem]");
    var later = form.querySelector("[data-finish-later]");
    if (later) { later.hidden = true; }
    var queue = Promise.resolve();  // one save at a time, in the order they were made

    function mark(field, saved) {
      var fieldset = field.closest("fieldset");
      var sign = fieldset ? fieldset.querySelector("[data-saved-mark]") : null;
      if (sign) { sign.hidden = !saved; }
    }

    function fail(field) {
      mark(field, false);
      if (later) { later.hidden = false; }
      if (problem) {
        problem.textContent = form.getAttribute("data-save-failed");
        problem.hidden = false;
      }
    }

    function save(field) {
      var body = new URLSearchParams();
      body.append("lang", form.elements.lang.value);
      body.append(field.name, field.value);
      mark(field, false);
      queue = queue.then(function () {
        return fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (response.ok) {
            mark(field, true);
            if (problem) { problem.hidden = true; }
          } else {
            fail(field);
          }
        }, function () { fail(field); });
      });
    }

    // the comment as last saved: emptying the box deletes it, an empty box never saved
    // has nothing to send
    var comment = form.elements.comment;
    var savedComment = comment ? comment.defaultValue.trim() : "";

    form.addEventListener("change", function (event) {
      var field = event.target;
      if (field.type === "radio" && field.name.indexOf("q_") === 0 && field.checked) {
        save(field);
      } else if (field.name === "comment" && (field.value.trim() || savedComment)) {
        savedComment = field.value.trim();
        save(field);
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

// List tables (core/app.css: every .table-responsive box). A table wider than the screen scrolls inside its
// box: a keyboard must reach the box to scroll it (WCAG 2.1.1), also when no link or button inside could
// take the focus. Its cells keep their words on one line, except prose (a description, a list of changes):
// a cell holding more than LONG characters may wrap, at a readable width (.wrap).
(function () {
  "use strict";
  var LONG = 24;
  function prepare() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (!box.hasAttribute("tabindex")) box.tabIndex = 0;
      box.querySelectorAll("td:not(.wrap)").forEach(function (cell) {
        if (cell.textContent.trim().length > LONG) cell.classList.add("wrap");
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", prepare);
  else prepare();
  document.addEventListener("htmx:afterSettle", prepare);
})();

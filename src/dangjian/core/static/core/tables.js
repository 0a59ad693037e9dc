// A list table wider than the screen scrolls inside its .table-responsive box (core/app.css): a keyboard
// must reach the box to scroll it (WCAG 2.1.1), also when no link or button inside could take the focus.
(function () {
  "use strict";
  function focusable() {
    document.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
      box.tabIndex = 0;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusable);
  else focusable();
  document.addEventListener("htmx:afterSettle", focusable);
})();

/* Search-as-you-type pickers (core/widgets.py): every input with data-picker-url becomes a Tom Select
   box asking that route as the user types. A static file, so that the CSP needs no inline script;
   without JavaScript the input stays a text box for the number or code. */
(function () {
  "use strict";

  function init(el) {
    if (el.tomselect || typeof TomSelect === "undefined") return;
    var url = el.getAttribute("data-picker-url");
    var selected = [];
    try { selected = JSON.parse(el.getAttribute("data-picker-selected") || "[]"); } catch (e) { selected = []; }
    var multiple = el.hasAttribute("data-picker-multiple");
    var latest = 0;
    el.value = "";
    new TomSelect(el, {
      valueField: "value",
      labelField: "label",
      searchField: [],
      options: selected,
      items: selected.map(function (o) { return o.value; }),
      maxItems: multiple ? null : 1,
      create: false,
      persist: false,
      preload: "focus",
      loadThrottle: 250,
      plugins: multiple ? ["remove_button"] : [],
      // The server has matched pinyin and codes: show what it answered, in its order.
      score: function () { return function () { return 1; }; },
      load: function (query, callback) {
        var self = this;
        var sep = url.indexOf("?") < 0 ? "?" : "&";
        var asked = ++latest;
        fetch(url + sep + "q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (r) { return r.json(); }).then(function (data) {
          if (asked !== latest) { callback(); return; }  // a slower answer to an older query: drop it
          self.clearOptions();
          callback(data.results);
        }).catch(function () { callback(); });
      },
      render: {
        no_results: function () {
          return '<div class="no-results">' + (el.getAttribute("data-picker-empty") || "—") + "</div>";
        }
      }
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("input[data-picker-url]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
})();

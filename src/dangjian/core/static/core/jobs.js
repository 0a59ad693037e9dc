// The job page: ask for the job's state every two seconds and reload the page once it has finished.
(function () {
  "use strict";
  var card = document.getElementById("job");
  if (!card || card.dataset.finished === "1") return;
  function poll() {
    fetch(card.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        if (s.finished) { window.location.reload(); return; }
        document.getElementById("job-status").textContent = s.status_label;
        document.getElementById("job-message").textContent = s.message;
        var bar = document.getElementById("job-bar");
        bar.value = s.percent;
        bar.textContent = s.percent + "%";
        document.getElementById("job-counts").textContent = s.counts;
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();

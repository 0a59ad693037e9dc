// Organizational life: small conveniences on the meeting form (the form works without them).
(function () {
  "use strict";
  var form = document.querySelector("form.meeting-form");
  if (!form) { return; }
  // A reason is asked for only when someone is on leave: show it, focus it.
  function sync(row) {
    var leave = row.querySelector("input[type=radio][value=on_leave]");
    var reason = row.querySelector("input.reason");
    if (!leave || !reason) { return; }
    row.classList.toggle("is-leave", leave.checked);
    reason.hidden = !leave.checked && !reason.value;
  }
  form.querySelectorAll("tr[data-member]").forEach(function (row) {
    sync(row);
    row.addEventListener("change", function (event) {
      sync(row);
      if (event.target.value === "on_leave") {
        var reason = row.querySelector("input.reason");
        if (reason) { reason.focus(); }
      }
    });
  });
  // "Everyone present" resets the sheet in one tap.
  var all = form.querySelector("[data-action=all-present]");
  if (all) {
    all.addEventListener("click", function () {
      form.querySelectorAll("tr[data-member] input[type=radio][value=present]").forEach(function (radio) {
        radio.checked = true;
      });
      form.querySelectorAll("tr[data-member]").forEach(sync);
    });
  }
  // The lecturer is needed only for a party lecture.
  var lecture = form.querySelector("input[name=kinds][value=party_lecture]");
  var lecturer = form.querySelector("[data-field=lecturer]");
  function syncLecture() {
    if (lecture && lecturer) { lecturer.classList.toggle("d-none", !lecture.checked && !lecturer.querySelector("input").value); }
  }
  if (lecture) { lecture.addEventListener("change", syncLecture); syncLecture(); }
}());

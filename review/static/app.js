// The desk's only script (the CSP allows 'self' scripts only). It shows the "rule that
// misfired" field when the verdict is "not relevant", and gives the keyboard shortcuts listed
// on each page: in the queue j/k move the selection, o opens, x ticks; on a notice j/k go to
// the next/previous notice of the queue, r records "relevant", n prepares "not relevant".
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("verdict-select");
  var reason = document.querySelector(".verdict-form .reason");
  function sync() {
    if (select && reason) { reason.classList.toggle("hidden", select.value !== "not_relevant"); }
  }
  if (select) { select.addEventListener("change", sync); sync(); }

  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody tr"));
  var current = -1;
  function choose(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].scrollIntoView({ block: "nearest" });
  }
  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName));
  }
  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    var key = event.key;
    if (rows.length) {
      if (key === "j") { choose(current + 1); }
      else if (key === "k") { choose(current - 1); }
      else if ((key === "o" || key === "Enter") && current >= 0) {
        window.location.href = rows[current].querySelector("a.notice-link").href;
      } else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        box.checked = !box.checked;
      } else { return; }
      event.preventDefault();
      return;
    }
    if (!select) { return; }
    if (key === "j") { follow("next-notice"); }
    else if (key === "k") { follow("prev-notice"); }
    else if (key === "r") {
      select.value = "relevant";
      sync();
      document.getElementById("verdict-form").requestSubmit();
    } else if (key === "n") {
      select.value = "not_relevant";
      sync();
      var rule = document.querySelector(".verdict-form select[name=reason_rule]");
      (rule || document.querySelector(".verdict-form textarea[name=note]")).focus();
    } else { return; }
    event.preventDefault();
  });
});

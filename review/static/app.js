// The only script: show the "rule that misfired" field when the verdict is "not relevant".
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("verdict-select");
  var reason = document.querySelector(".verdict-form .reason");
  if (!select || !reason) { return; }
  function sync() { reason.classList.toggle("hidden", select.value !== "not_relevant"); }
  select.addEventListener("change", sync);
  sync();
});

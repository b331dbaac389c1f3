// Rampart console: small enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    ev.preventDefault();
  }
});
// Attribution matrix: show how many techniques are picked.
document.addEventListener("change", function (ev) {
  var box = ev.target;
  if (!box.matches || !box.matches(".matrix input[type=checkbox]")) return;
  var out = document.getElementById("picked-count");
  if (out) out.textContent = String(document.querySelectorAll(".matrix input[type=checkbox]:checked").length);
});
// Administration: a button that copies a secret shown once.
document.querySelectorAll("[data-copy]").forEach(function (el) {
  if (!navigator.clipboard) return;
  var b = document.createElement("button");
  b.type = "button";
  b.className = "plain small";
  b.textContent = "Copy";
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(el.textContent).then(function () { b.textContent = "Copied"; });
  });
  el.insertAdjacentElement("afterend", b);
});

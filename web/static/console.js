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
// Attribution matrix: a technique is in every column of its tactics; one
// box ticked ticks the others, and the count is of techniques.
document.addEventListener("change", function (ev) {
  var box = ev.target;
  if (!box.matches || !box.matches(".matrix input[type=checkbox]")) return;
  document.querySelectorAll(".matrix input[type=checkbox]").forEach(function (b) {
    if (b.value === box.value) b.checked = box.checked;
  });
  var picked = {};
  document.querySelectorAll(".matrix input[type=checkbox]:checked").forEach(function (b) { picked[b.value] = true; });
  var out = document.getElementById("picked-count");
  if (out) out.textContent = String(Object.keys(picked).length);
});
// Attribution matrix: find techniques by name or id; sub-techniques that
// match are shown with their technique.
(function () {
  var input = document.getElementById("technique-filter");
  if (!input) return;
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    document.querySelectorAll(".matrix .technique").forEach(function (t) {
      var labels = t.querySelectorAll("label"), any = false;
      labels.forEach(function (l, i) {
        var hit = q === "" || l.textContent.toLowerCase().indexOf(q) >= 0;
        if (i > 0) l.classList.toggle("filtered-out", !hit && q !== "");
        any = any || hit;
      });
      t.classList.toggle("filtered-out", !any);
      var d = t.querySelector("details");
      if (d && q !== "") {
        var sub = false;
        labels.forEach(function (l, i) { if (i > 0 && !l.classList.contains("filtered-out")) sub = true; });
        d.open = sub;
      }
    });
    document.querySelectorAll(".matrix fieldset").forEach(function (f) {
      f.classList.toggle("filtered-out", f.querySelector(".technique:not(.filtered-out)") === null);
    });
  });
})();
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

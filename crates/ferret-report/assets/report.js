(function () {
  "use strict";
  var form = document.getElementById("filters");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.incident"));
  var rows = new Map();
  Array.prototype.forEach.call(document.querySelectorAll("svg a.row"), function (r) {
    rows.set(r.getAttribute("data-incident"), r);
  });
  var host = document.getElementById("f-host");
  var tech = document.getElementById("f-tech");
  var text = document.getElementById("f-text");
  var count = document.getElementById("f-count");
  var sevs = Array.prototype.slice.call(document.querySelectorAll("input[name=sev]"));

  function apply() {
    var wanted = new Set();
    sevs.forEach(function (c) { if (c.checked) { wanted.add(c.value); } });
    var q = text.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (card) {
      var d = card.dataset;
      var ok = wanted.has(d.severity) &&
        (host.value === "" || d.host === host.value) &&
        (tech.value === "" || d.techniques.split(" ").indexOf(tech.value) >= 0) &&
        (q === "" || card.textContent.toLowerCase().indexOf(q) >= 0);
      card.hidden = !ok;
      if (ok) { shown += 1; }
      var row = rows.get(d.incident);
      if (row) { row.classList.toggle("dim", !ok); }
    });
    count.textContent = shown + " of " + cards.length + " incidents shown";
  }

  if (form && host && tech && text && count) {
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    form.hidden = false;
    apply();
  }
  document.body.dataset.ready = "1";
})();

// A province's index totals over the years (Chart.js from static/vendor, installed from npm).
(function () {
  var source = document.getElementById("results-data");
  if (!source || typeof Chart === "undefined") return;
  var rows = JSON.parse(source.textContent);
  new Chart(document.getElementById("chart-results"), {
    type: "line",
    data: {
      labels: rows.map(function (r) { return r.year; }),
      datasets: [{ label: "Điểm", data: rows.map(function (r) { return r.total; }), borderColor: "#b3261e",
                   backgroundColor: "#b3261e" }]
    },
    options: { maintainAspectRatio: false, plugins: { legend: { display: false } } }
  });
})();

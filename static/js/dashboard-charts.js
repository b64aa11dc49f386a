// The dashboard's charts, drawn by Chart.js (installed from npm by the setup command) from the
// JSON the page embeds; the tables beside them carry the same numbers as links.
(function () {
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = {
    done_on_time: "#1e7b34", done_late: "#b58a00", on_track: "#1a5fb4",
    due_soon: "#e08a00", overdue: "#b3261e", no_deadline: "#8a8f98"
  };
  var groups = data.groups;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  new Chart(document.getElementById("chart-groups"), {
    type: "doughnut",
    data: {
      labels: groups.map(function (g) { return g.label; }),
      datasets: [{ data: groups.map(function (g) { return g.count; }),
                   backgroundColor: groups.map(function (g) { return colours[g.code]; }) }]
    },
    options: { plugins: { legend: { position: "bottom" } } }
  });

  new Chart(document.getElementById("chart-completions"), {
    type: "bar",
    data: {
      labels: data.completions.map(function (c) { return c.month; }),
      datasets: [{ label: "Phân công hoàn thành", data: data.completions.map(function (c) { return c.count; }),
                   backgroundColor: colours.done_on_time }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  var agencyCanvas = document.getElementById("chart-agencies");
  if (!agencyCanvas) return;  // the national view has no per-agency chart
  new Chart(agencyCanvas, {
    type: "bar",
    data: {
      labels: data.agencies.map(function (a) { return a.name; }),
      datasets: groups.map(function (g) {
        return { label: g.label, backgroundColor: colours[g.code],
                 data: data.agencies.map(function (a) { return a[g.code]; }) };
      })
    },
    options: {
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();

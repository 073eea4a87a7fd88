/* Performance overview: draws the charts from the figures the page embeds (no extra request). */
(function () {
  "use strict";
  var source = document.getElementById("performance-data");
  if (!source) return;
  var data = JSON.parse(source.textContent);

  // Picking a date means a custom range.
  ["id_start", "id_end"].forEach(function (id) {
    var input = document.getElementById(id);
    if (!input) return;
    input.addEventListener("change", function () {
      var custom = document.querySelector('input[name="range"][value="custom"]');
      if (custom) custom.checked = true;
    });
  });

  if (typeof Chart === "undefined") return;
  var accent = "#0a66c2";
  var money = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

  var canvas = document.getElementById("performance-chart");
  if (canvas) {
    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: canvas.dataset.salesLabel, data: data.sales, backgroundColor: "rgba(10,102,194,.55)", yAxisID: "sales" },
          { type: "line", label: canvas.dataset.ordersLabel, data: data.orders, borderColor: "#e8710a", backgroundColor: "#e8710a", yAxisID: "orders", tension: 0 }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          sales: { position: "left", beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } },
          orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
        }
      }
    });
    canvas.dataset.rendered = "true";
  }

  var ranking = document.getElementById("ranking-chart");
  if (ranking) {
    new Chart(ranking, {
      type: "bar",
      data: { labels: data.ranking.labels, datasets: [{ label: ranking.dataset.salesLabel, data: data.ranking.sales, backgroundColor: accent }] },
      options: { animation: false, maintainAspectRatio: false, indexAxis: "y", plugins: { legend: { display: false } } }
    });
    ranking.dataset.rendered = "true";
  }
})();

/* Partner portal: the clicks / orders / commission chart from the figures the page embeds
   (a JSON script element; no inline script, so the CSP's script-src 'self' holds). */
(function () {
  "use strict";
  var source = document.getElementById("partner-chart-data");
  var canvas = document.getElementById("partner-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: canvas.dataset.clicksLabel, data: data.clicks, backgroundColor: "rgba(10,102,194,.45)", yAxisID: "count" },
        { type: "line", label: canvas.dataset.ordersLabel, data: data.orders, borderColor: "#e8710a", backgroundColor: "#e8710a", yAxisID: "count", tension: 0 },
        { type: "line", label: canvas.dataset.commissionLabel, data: data.commission.map(Number), borderColor: "#188038", backgroundColor: "#188038", yAxisID: "money", tension: 0 }
      ]
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        count: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
        money: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }
      }
    }
  });
  canvas.dataset.rendered = "true";
})();

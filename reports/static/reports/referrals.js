/* Performance overview: the referral split chart (traffic and sales points per earner, stacked). */
(function () {
  "use strict";
  var source = document.getElementById("referral-data");
  var canvas = document.getElementById("referral-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: canvas.dataset.trafficLabel, data: data.traffic, backgroundColor: "rgba(10,102,194,.75)" },
        { label: canvas.dataset.salesLabel, data: data.sales, backgroundColor: "#e8710a" }
      ]
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } }
    }
  });
  canvas.dataset.rendered = "true";
})();

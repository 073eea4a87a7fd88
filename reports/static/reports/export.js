/* Export job page: polls the job's progress until the file is ready, then shows the link. */
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) return;
  var bar = box.querySelector('[data-job="progress"]');
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function show(job) {
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    box.querySelector('[data-job="status"]').textContent = job.status_label;
    box.querySelector('[data-job="rows"]').textContent = numbers.format(job.rows_written);
    box.querySelector('[data-job="total"]').textContent = numbers.format(job.total_rows);
    if (job.download_url) {
      var download = box.querySelector('[data-job="download"]');
      download.querySelector("a").href = job.download_url;
      download.hidden = false;
    }
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        show(job);
        if (job.status !== "done" && job.status !== "failed") setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();

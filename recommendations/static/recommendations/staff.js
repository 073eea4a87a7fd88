/* Staff tablet pages (recommend and share): no inline scripts, so the CSP needs no 'unsafe-inline'. */
(function () {
  "use strict";

  // Copy link: <button data-copy="#input-id" data-done="Copied." data-status="#status-id">
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var input = document.querySelector(button.dataset.copy);
      var status = document.querySelector(button.dataset.status);
      var done = function () { if (status) { status.textContent = button.dataset.done; } };
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
      return;
    }
    // Dismiss: <button data-dismiss=".picker"> removes the closest matching element.
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest(dismiss.dataset.dismiss);
      if (box) { box.remove(); }
    }
  });

  // Refusals (429 over the SMS limit, 400) carry a message for staff: show it in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 429 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

/* Staff tablet pages (recommend and share); copy and dismiss buttons are handled site-wide by js/omo.js. */
(function () {
  "use strict";

  // Refusals (429 over the SMS limit, 400) carry a message for staff: show it in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 429 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

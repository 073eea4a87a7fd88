/* Site-wide behaviour, loaded by base.html. No inline handlers anywhere, so the production CSP
   allows scripts from our own origin only. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    // Copy: <button data-copy="#input-id" data-done="Copied." data-status="#status-id">
    var button = event.target.closest("[data-copy]");
    if (button) {
      var input = document.querySelector(button.dataset.copy);
      var status = button.dataset.status ? document.querySelector(button.dataset.status) : null;
      var done = function () { if (status && button.dataset.done) { status.textContent = button.dataset.done; } };
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

  // <select data-autosubmit> submits its form on change (the language switcher).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
})();

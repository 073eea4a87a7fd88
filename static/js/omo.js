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

  // Double taps do nothing twice: once a form is sent, its submit buttons are disabled until the
  // answer arrives (htmx) or the page is shown again (back button, bfcache). The server side is
  // the form's one-time token (omo/forms_once.py); this is the visible half. A form that may be
  // sent repeatedly on purpose says data-repeatable.
  var RELEASE_AFTER_MS = 15000; // a download leaves the page as it is: let the button work again
  function buttons(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"))
      .concat(form.id ? Array.prototype.slice.call(document.querySelectorAll("[form='" + form.id + "'][type=submit]")) : []);
  }
  function release(form) {
    buttons(form).forEach(function (b) {
      if (b.dataset.onceDisabled) { b.disabled = false; delete b.dataset.onceDisabled; b.removeAttribute("aria-busy"); }
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented && !form.hasAttribute("hx-post")) { return; }
    if ((form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-repeatable")) { return; }
    // After this event: the browser (or htmx) has already read the pressed button's name and value.
    window.setTimeout(function () {
      buttons(form).forEach(function (b) {
        if (!b.disabled) { b.disabled = true; b.dataset.onceDisabled = "1"; b.setAttribute("aria-busy", "true"); }
      });
      window.setTimeout(function () { release(form); }, RELEASE_AFTER_MS);
    }, 0);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    if (form) { release(form); }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { Array.prototype.forEach.call(document.forms, release); }
  });

  // The menu strip on a phone scrolls sideways: show the current page's entry without moving the page.
  var current = document.querySelector(".app-menu [aria-current=page]");
  if (current) {
    var strip = current.closest(".app-menu");
    if (strip.scrollWidth > strip.clientWidth) { strip.scrollLeft = Math.max(0, current.offsetLeft - strip.offsetLeft - 16); }
  }

  // A box that scrolls sideways (a wide table on a phone) can be scrolled with the keyboard too.
  Array.prototype.forEach.call(document.querySelectorAll("table, .table-scroll"), function (box) {
    if (box.scrollWidth > box.clientWidth && !box.querySelector("a[href], button, input, select, textarea, [tabindex]")) {
      box.setAttribute("tabindex", "0");
    }
  });
})();

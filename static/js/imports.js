// Import forms: while a large file is checked or imported, show that it is working and stop a
// second submit (the server handles one at a time per file anyway).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("[data-loading-form]")) return;
  var button = form.querySelector("[data-loading-text]");
  if (button) {
    if (button.disabled) { event.preventDefault(); return; }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = button.getAttribute("data-loading-text");
  }
});

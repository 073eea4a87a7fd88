// Camera barcode scanning on the product search box, where the browser has the BarcodeDetector API
// (Chrome on Android, recent tablets); elsewhere the button stays hidden and staff type or use a
// USB scanner. The code found is put in the box and searched like typed text.
(function () {
  "use strict";
  var button = document.getElementById("scan-barcode");
  var input = document.getElementById("product-q");
  var video = document.getElementById("scan-video");
  if (!button || !input || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  var stream = null;
  var timer = null;

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
    button.setAttribute("aria-pressed", "false");
  }

  function found(code) {
    stop();
    input.value = code;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("search", { bubbles: true }));
    input.focus();
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector;
    try { detector = new window.BarcodeDetector(); } catch (e) { button.hidden = true; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.setAttribute("aria-pressed", "true");
      return video.play();
    }).then(function () {
      timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) found(codes[0].rawValue);
        }).catch(function () {});
      }, 250);
    }).catch(function () { stop(); input.focus(); });  // no camera or refused: type instead
  });
})();

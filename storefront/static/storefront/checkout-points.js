// Checkout: as the shopper types a number of points, show what they are worth and the total after
// them. Only a preview: the server recomputes everything when the order is placed.
(function () {
  "use strict";
  var holder = document.querySelector("[data-points-input]");
  var preview = document.querySelector("[data-points-preview]");
  if (!holder || !preview) return;
  var input = holder.querySelector("input");
  var pointValue = parseFloat(holder.dataset.pointValue);
  var total = parseFloat(holder.dataset.total);
  var max = parseInt(holder.dataset.max, 10) || 0;
  var digits = parseInt(holder.dataset.digits, 10);
  var locale = (holder.dataset.locale || "en").replace("zh-hant", "zh-Hant-TW").replace("zh-hans", "zh-Hans-CN");
  var format;
  try {
    format = new Intl.NumberFormat(locale, {
      style: "currency", currency: holder.dataset.currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
  } catch (e) {
    format = { format: function (n) { return holder.dataset.currency + " " + n.toFixed(digits); } };
  }
  var scale = Math.pow(10, digits);
  function update() {
    var points = parseInt(input.value, 10);
    if (!(points > 0)) { preview.hidden = true; return; }
    points = Math.min(points, max);
    var value = Math.min(Math.round(points * pointValue * scale) / scale, total);
    preview.querySelector("[data-points-value]").textContent = format.format(value);
    preview.querySelector("[data-points-total]").textContent = format.format(Math.max(total - value, 0));
    preview.hidden = false;
  }
  input.addEventListener("input", update);
  update();
})();

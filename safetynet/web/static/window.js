// The window and the slip: item rows (add, remove, the item's name as its code is typed, the
// unit price a line total implies), printing, and a refund that asks before it is sent.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var refund = document.getElementById("refund-form");
  if (refund) {
    refund.addEventListener("submit", function (event) {
      if (!window.confirm(refund.dataset.confirm)) event.preventDefault();
    });
  }

  var table = document.getElementById("items");
  if (!table) return;
  var body = table.tBodies[0];
  var known = {};

  function field(row, name) { return row.querySelector("input[name=" + name + "]"); }

  function showUnitPrice(row) {
    var amount = parseFloat(field(row, "item_amount").value.replace(/,/g, ""));
    var quantity = parseInt(field(row, "item_quantity").value, 10) || 1;
    var cell = row.querySelector(".unit-price");
    cell.textContent = isFinite(amount) && amount > 0 ? (amount / quantity).toFixed(2) : "";
  }

  function showName(row, item) {
    var cell = row.querySelector(".item-name");
    cell.classList.toggle("unknown", item === null);
    cell.textContent = item === undefined ? "" :
      item === null ? table.dataset.unknown : item.name + " (" + item["class"] + ")";
  }

  function lookUp(row) {
    var code = field(row, "item_code").value.trim().toUpperCase();
    if (!code) { showName(row, undefined); return; }
    if (code in known) { showName(row, known[code]); return; }
    fetch("/window/items/" + encodeURIComponent(code), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (item) {
        known[code] = item;
        if (field(row, "item_code").value.trim().toUpperCase() === code) showName(row, item);
      });
  }

  function clear(row) {
    field(row, "item_code").value = "";
    field(row, "item_quantity").value = "1";
    field(row, "item_amount").value = "";
    showName(row, undefined);
    showUnitPrice(row);
  }

  function wire(row) {
    var code = field(row, "item_code");
    var timer = null;
    code.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { lookUp(row); }, 200);
    });
    code.addEventListener("change", function () { lookUp(row); });
    field(row, "item_quantity").addEventListener("input", function () { showUnitPrice(row); });
    field(row, "item_amount").addEventListener("input", function () { showUnitPrice(row); });
    row.querySelector(".remove-row").addEventListener("click", function () {
      if (body.rows.length > 1) row.remove(); else clear(row);
    });
    showUnitPrice(row);
  }

  document.getElementById("add-row").addEventListener("click", function () {
    // a claim has at most this many item lines (the server refuses more rows)
    if (body.rows.length >= (parseInt(table.dataset.maxRows, 10) || Infinity)) return;
    var row = body.rows[body.rows.length - 1].cloneNode(true);
    body.appendChild(row);
    clear(row);
    wire(row);
    field(row, "item_code").focus();
  });
  Array.prototype.forEach.call(body.rows, wire);
})();

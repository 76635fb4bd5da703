// Behaviour the pages need without inline scripts (the Content-Security-Policy refuses
// them): a button marked data-print prints the page, a link marked data-back goes back.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-print], [data-back]") : null;
    if (!el) { return; }
    if (el.hasAttribute("data-print")) { e.preventDefault(); window.print(); }
    else if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
})();

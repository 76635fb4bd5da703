// Behaviour the pages need without inline scripts (the Content-Security-Policy refuses
// them): a link marked data-back goes back a page (its href is where to go without one).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-back]") : null;
    if (el && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
})();

// Behaviour the pages need without inline scripts (the Content-Security-Policy refuses
// them): a link marked data-back goes back a page (its href is where to go without one).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-back]") : null;
    if (el && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
})();

// The worklist's pages kept on a phone for offline use (static/worklist-sw.js) hold personal
// data: on the login page (after a logout from any page, or a session that ended) they go,
// so the next person to pick up the phone finds none of them.
(function () {
  "use strict";
  if (!window.caches || !document.querySelector("form[action^='/login']")) { return; }
  window.caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("safetynet-worklist-") === 0 && k.indexOf("safetynet-worklist-assets-") !== 0;
    }).map(function (k) { return window.caches.delete(k); }));
  }).then(function () {
    document.documentElement.setAttribute("data-offline-forgotten", "1");
  }).catch(function () { return null; });
})();

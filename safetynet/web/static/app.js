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

// The forms a village doctor queued offline (static/worklist.js) wait in localStorage with
// personal data (a patient's readings and drugs) and belong to the user who queued them. A
// session that ended keeps them for that user's next login; but once another user is signed
// in on the phone they are deleted (never shown to nor sent by anyone else), and logging out
// deletes them and the worklist's pages kept on the phone, after asking when some were not
// sent yet (a logout cancelled keeps everything).
(function () {
  "use strict";
  var QUEUE = "safetynet.worklist.queue";
  var out = document.querySelector("form[action='/logout'][data-user]");
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  function load() {
    try { return JSON.parse(store.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  if (out) {
    var user = out.getAttribute("data-user");
    var items = load();
    var kept = items.filter(function (i) { return i && i.user === user; });
    if (kept.length !== items.length) {
      if (kept.length) { store.setItem(QUEUE, JSON.stringify(kept)); } else { store.removeItem(QUEUE); }
    }
    out.addEventListener("submit", function (e) {
      if (out.getAttribute("data-cleared")) { return; }
      e.preventDefault();
      var unsent = load().filter(function (i) { return i && i.user === user && i.state !== "sent"; });
      if (unsent.length && !window.confirm(out.getAttribute("data-unsent"))) { return; }
      store.removeItem(QUEUE);
      var forget = !window.caches ? Promise.resolve() : window.caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) {
          return k.indexOf("safetynet-worklist-") === 0 && k.indexOf("safetynet-worklist-assets-") !== 0;
        }).map(function (k) { return window.caches.delete(k); }));
      });
      forget.catch(function () { return null; }).then(function () {
        out.setAttribute("data-cleared", "1");
        out.submit();
      });
    });
  }
  document.documentElement.setAttribute("data-queue-checked", "1");
})();

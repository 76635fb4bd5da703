// The village doctor's worklist offline (no inline script: the Content-Security-Policy
// refuses them). Registers the service worker (/worklist/sw.js) that keeps the worklist
// pages on the phone, keeps the contract pages the worklist links to, and queues the
// record form: each submit is stored in localStorage with a key made here, shown as
// "waiting to send", and sent to /worklist/{id}/send when there is a connection (the
// server records a key once). A send after the session ended waits, queued, for the
// doctor to log in again; a refused form shows the server's sentence and stays until removed.
// A queued form is the doctor's alone and holds personal data (readings, drugs; its label
// names the patient masked): static/app.js deletes it at logout and when another user is
// signed in on the phone.
(function () {
  "use strict";
  var QUEUE = "safetynet.worklist.queue";
  var PAGES = "safetynet-worklist-pages-";  // + the user's id: as static/worklist-sw.js keeps them
  var box = document.getElementById("outbox");
  var textNode = document.getElementById("worklist-text");
  if (!box || !textNode) { return; }
  var text = JSON.parse(textNode.textContent);
  var user = box.getAttribute("data-user");
  var list = document.getElementById("outbox-list");
  var loginNote = document.getElementById("outbox-login");
  var offlineNote = document.getElementById("offline-note");
  var form = document.getElementById("record-form");
  var sentHere = [];  // sent while this page is open: shown as sent until it is left
  var busy = false;
  var again = false;  // a form came while a send was under way: send again after it

  function load() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { window.localStorage.setItem(QUEUE, JSON.stringify(items)); }
  function mine(items) { return items.filter(function (i) { return i.user === user; }); }
  function update(key, change) {
    save(load().map(function (i) { return i.key === key ? Object.assign(i, change) : i; }));
  }
  function drop(key) { save(load().filter(function (i) { return i.key !== key; })); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function render() {
    var items = mine(load()).concat(sentHere);
    list.textContent = "";
    var login = false;
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "queued " + item.state;
      li.setAttribute("data-key", item.key);
      var label = document.createElement("b");
      label.textContent = item.label;
      var state = document.createElement("span");
      state.className = "state";
      state.textContent = text[item.state] || text.waiting;
      li.appendChild(label);
      li.appendChild(state);
      if (item.message) {
        var why = document.createElement("p");
        why.className = "why";
        why.setAttribute("role", "alert");
        why.textContent = item.message;
        li.appendChild(why);
      }
      if (item.state === "refused") {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = text.remove;
        remove.addEventListener("click", function () { drop(item.key); render(); });
        li.appendChild(remove);
      }
      if (item.state === "login") { login = item.message || text.login; }
      list.appendChild(li);
    });
    loginNote.hidden = !login;
    loginNote.firstElementChild.textContent = login || "";
    box.hidden = items.length === 0;
  }

  function answer(item, status, data) {
    var error = (data && data.error) || {};
    if (status === 200 || status === 201) {
      drop(item.key);
      sentHere.push(Object.assign({}, item, { state: "sent", message: "" }));
      return data;
    }
    if (status === 401 || error.code === "csrf") {
      update(item.key, { state: "login", message: error.message || "" });
    } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      update(item.key, { state: "refused", message: error.message || "" });
    }  // 408, 429, 5xx: the server is busy or down; the form waits for the next try
    return null;
  }

  function sendOne(item, token) {
    var body = new URLSearchParams(item.fields);
    body.set("csrf_token", token);
    body.set("idempotency_key", item.key);
    return window.fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        return answer(item, r.status, data);
      });
    });
  }

  // Send the waiting forms of this doctor, one after the other; resolves to the answer
  // of the form ``first`` (when it was sent now) or null.
  function flush(first) {
    var waiting = mine(load()).filter(function (i) { return i.state === "waiting" || i.state === "login"; });
    if (busy) { again = true; return Promise.resolve(null); }
    if (waiting.length === 0) { return Promise.resolve(null); }
    busy = true;
    var result = null;
    return window.fetch("/worklist/token", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.status === 401 || !data.csrf_token || data.user !== user) {
          var message = (data.error && data.error.message) || "";
          waiting.forEach(function (i) { update(i.key, { state: "login", message: message }); });
          return null;
        }
        return waiting.reduce(function (chain, item) {
          return chain.then(function () {
            return sendOne(item, data.csrf_token).then(function (sent) {
              if (item.key === first) { result = sent; }
            });
          });
        }, Promise.resolve());
      });
    }).catch(function () {
      return null;  // no connection: the forms wait
    }).then(function () {
      busy = false;
      render();
      if (again) { again = false; flush(null); }
      return result;
    });
  }

  function showOffline() { if (offlineNote) { offlineNote.hidden = navigator.onLine; } }

  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "idempotency_key") { fields[name] = value; }
      });
      var kind = form.querySelector("select[name=kind]");
      var heading = document.querySelector("h1[data-label]");  // the patient's name, masked
      var item = {
        key: newKey(), user: user, url: form.getAttribute("data-send"), fields: fields,
        label: [heading ? heading.getAttribute("data-label") : "",
                kind ? kind.options[kind.selectedIndex].text : "", fields.done_on].join(" · "),
        state: "waiting", message: ""
      };
      var items = load();
      items.push(item);
      save(items);
      render();
      var note = document.getElementById("queued");
      flush(item.key).then(function (sent) {
        if (sent && sent.location) { window.location.assign(sent.location); return; }
        var now = load().filter(function (i) { return i.key === item.key; })[0];
        if (now && now.state === "refused") {  // refused at once: corrected here, not queued
          drop(item.key);
          render();
          note.textContent = now.message;
          note.className = "error";
          note.setAttribute("role", "alert");
        } else {
          note.textContent = now && now.state === "login" ? (now.message || text.login) : text.queued;
          note.className = now && now.state === "login" ? "error" : "saved";
          note.setAttribute("role", "status");
          form.reset();
        }
        note.hidden = false;
      });
    });
  }

  // Keep the contract pages the worklist links to, so the doctor can open them offline.
  function keepLinked() {
    if (!window.caches || !navigator.onLine) { return; }
    var urls = [];
    document.querySelectorAll("#worklist a[href^='/worklist/']").forEach(function (a) {
      var href = a.getAttribute("href");
      if (urls.indexOf(href) < 0) { urls.push(href); }
    });
    urls.unshift(window.location.pathname + window.location.search);  // maybe loaded before the worker
    urls.reduce(function (chain, url) {
      return chain.then(function () {
        return window.fetch(url, { credentials: "same-origin" }).then(function (r) {
          return keepPage(url, r);
        }).catch(function () { return null; });
      });
    }, Promise.resolve()).then(function () {
      document.documentElement.setAttribute("data-offline-ready", "1");
    });
  }

  // A page is kept only as the worker keeps it: when the server names the user it may be
  // kept for and does not say no-store; in that user's cache, every other user's dropped.
  function keepPage(url, r) {
    var owner = r.headers.get("X-Offline-User") || "";
    if (!r.ok || r.redirected || !owner || /no-store/i.test(r.headers.get("Cache-Control") || "")) {
      return null;
    }
    return forgetPages(PAGES + owner).then(function () {
      return window.caches.open(PAGES + owner);
    }).then(function (cache) { return cache.put(url, r); });
  }

  function forgetPages(except) {
    return window.caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("safetynet-worklist-") === 0 && k.indexOf("safetynet-worklist-assets-") !== 0 && k !== except;
      }).map(function (k) { return window.caches.delete(k); }));
    });
  }

  // The worker controls this page (at once when it was there before the page; else when it
  // takes the page over after its first install; a page it never takes goes on after 5 s).
  function controlled() {
    return new Promise(function (resolve) {
      if (navigator.serviceWorker.controller) { resolve(); return; }
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
      window.setTimeout(resolve, 5000);
    });
  }

  // Logging out (from any page) forgets the pages kept on the phone and the queued forms:
  // static/app.js.

  window.addEventListener("online", function () { showOffline(); flush(null); });
  window.addEventListener("offline", showOffline);
  window.setInterval(function () { flush(null); }, 30000);
  showOffline();
  render();
  flush(null);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/worklist/sw.js", { scope: "/worklist" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(controlled)
      .then(keepLinked)
      .catch(function () { return null; });
  }
})();

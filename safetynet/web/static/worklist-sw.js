// The worklist's service worker (served as /worklist/sw.js, scope /worklist): the worklist
// and contract pages from the network when there is one, else the copy kept on the phone;
// the page's assets likewise. Only GET; the forms go through the page's queue
// (static/worklist.js), never through here.
//
// Personal data on a shared phone: a page is kept only when the server says it may be
// (an `X-Offline-User` header naming the user, and no `Cache-Control: no-store`), in a
// cache of that user's own ("safetynet-worklist-pages-<user id>"); keeping a page of one
// user drops every other user's. The copies go when the network answers a kept page with
// the login page or a refusal (the session has ended), and at logout (static/app.js
// clears them on the login page, whichever page the doctor logged out from).
"use strict";
var ASSET_CACHE = "safetynet-worklist-assets-v2";
var PAGES = "safetynet-worklist-pages-";
var ASSETS = ["/static/app.css", "/static/app.js", "/static/worklist.js",
              "/static/worklist.css", "/static/favicon.svg"];
var NOT_KEPT = ["/worklist/sw.js", "/worklist/token"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSET_CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

// Earlier versions' caches go (v1 kept every user's pages in one cache).
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("safetynet-worklist-") === 0 && k !== ASSET_CACHE && k.indexOf(PAGES) !== 0;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function page(url) {
  if (url.origin !== self.location.origin || NOT_KEPT.indexOf(url.pathname) >= 0) { return false; }
  return url.pathname === "/worklist" || /^\/worklist\/\d+$/.test(url.pathname);
}

function asset(url) {
  return url.origin === self.location.origin && ASSETS.indexOf(url.pathname) >= 0;
}

// The user a response may be kept for ("" when it may not be kept).
function keptFor(response) {
  if (!response.ok || response.redirected || response.type !== "basic") { return ""; }
  if (/no-store/i.test(response.headers.get("Cache-Control") || "")) { return ""; }
  return response.headers.get("X-Offline-User") || "";
}

function pageCaches(except) {
  return caches.keys().then(function (keys) {
    return keys.filter(function (k) { return k.indexOf(PAGES) === 0 && k !== except; });
  });
}

function forget(except) {
  return pageCaches(except).then(function (keys) {
    return Promise.all(keys.map(function (k) { return caches.delete(k); }));
  });
}

function keep(request, response) {
  var user = keptFor(response);
  if (!user) { return Promise.resolve(); }
  var name = PAGES + user;
  return forget(name).then(function () {
    return caches.open(name);
  }).then(function (cache) { return cache.put(request, response); });
}

function fromPhone(request) {
  return pageCaches("").then(function (keys) {
    return keys.reduce(function (found, k) {
      return found.then(function (hit) {
        if (hit) { return hit; }
        return caches.open(k).then(function (cache) {
          return cache.match(request).then(function (h) {
            return h || cache.match(request, { ignoreSearch: true });
          }).then(function (h) {
            return h || (request.mode === "navigate" ? cache.match("/worklist", { ignoreSearch: true }) : undefined);
          });
        });
      });
    }, Promise.resolve(undefined));
  }).then(function (hit) { return hit || Response.error(); });
}

function assetFromPhone(request) {
  return caches.open(ASSET_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true });
  }).then(function (hit) { return hit || Response.error(); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (asset(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(ASSET_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    }).catch(function () { return assetFromPhone(request); }));
    return;
  }
  if (!page(url)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (keptFor(response)) {
      event.waitUntil(keep(request, response.clone()));
    } else if (response.redirected || response.status === 401 || response.status === 403) {
      event.waitUntil(forget(""));  // the session has ended: no copy outlives it
    }
    return response;
  }).catch(function () { return fromPhone(request); }));
});

// The worklist's service worker (served as /worklist/sw.js, scope /worklist): the worklist
// and contract pages from the network when there is one (each copy kept), else the copy
// kept on the phone; the page's assets likewise. Only GET; the forms go through the page's
// queue (static/worklist.js), never through here.
"use strict";
var CACHE = "safetynet-worklist-v1";
var ASSETS = ["/static/app.css", "/static/app.js", "/static/worklist.js",
              "/static/worklist.css", "/static/favicon.svg"];
var NOT_KEPT = ["/worklist/sw.js", "/worklist/token"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("safetynet-worklist-") === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  if (url.origin !== self.location.origin) { return false; }
  if (ASSETS.indexOf(url.pathname) >= 0) { return true; }
  if (NOT_KEPT.indexOf(url.pathname) >= 0) { return false; }
  return url.pathname === "/worklist" || /^\/worklist\/\d+$/.test(url.pathname);
}

function fromPhone(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || cache.match(request, { ignoreSearch: true });
    }).then(function (hit) {
      return hit || (request.mode === "navigate" ? cache.match("/worklist", { ignoreSearch: true }) : undefined);
    });
  }).then(function (hit) { return hit || Response.error(); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !kept(new URL(request.url))) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () { return fromPhone(request); }));
});

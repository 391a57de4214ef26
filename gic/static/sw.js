/* GIC's service worker, served at /sw.js (scope: every page).
 *
 * Keeps what a technician needs without network: the dashboard (« Mes
 * interventions »), the interventions list and each intervention's page, the
 * stylesheet and the page scripts. Pages are asked to the network first (always
 * fresh when online) and kept in the « gic-pages » cache; without network, the
 * kept copy is shown, and a page never kept shows /static/offline.html.
 * Sessions typed offline are not handled here but by the page (offline.js: the
 * outbox in IndexedDB, replayed to the server).
 *
 * Workbox is vendored by scripts/vendor-js (no CDN): the folder below must be
 * the one that script writes.
 */
'use strict';

const WORKBOX = '/static/vendor/workbox-v7.4.1/';
importScripts(WORKBOX + 'workbox-sw.js');
workbox.setConfig({modulePathPrefix: WORKBOX, debug: false});

const {registerRoute, setCatchHandler} = workbox.routing;
const {NetworkFirst, StaleWhileRevalidate} = workbox.strategies;
const {ExpirationPlugin} = workbox.expiration;

const PAGES = 'gic-pages';
const STATIC = 'gic-static';
const OFFLINE_PAGE = '/static/offline.html';
const PRECACHED = ['/static/gic.css', '/static/offline.js', '/static/vendor/idb-8.0.4/idb.js',
                   OFFLINE_PAGE, '/static/icon-192.png'];
// « / », « /interventions/ » (with its filters) and « /interventions/12 ».
const OFFLINE_PATHS = /^\/(interventions\/(\d+)?)?$/;

// A page is kept only as the person saw it: a 200 that was not a redirect (an
// expired session answers the login page, which must not stand for the page).
const onlyTheRealPage = {
  cacheWillUpdate: async ({response}) =>
    response && response.status === 200 && !response.redirected ? response : null,
};

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(PRECACHED))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// Logging out forgets the kept pages (a shared phone shows nobody's interventions).
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === 'POST' && url.origin === self.location.origin
      && url.pathname === '/logout') {
    event.waitUntil(caches.delete(PAGES));
  }
});

registerRoute(
  ({request, url}) => request.mode === 'navigate' && url.origin === self.location.origin
    && OFFLINE_PATHS.test(url.pathname),
  new NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 6,
    plugins: [onlyTheRealPage,
              new ExpirationPlugin({maxEntries: 200, maxAgeSeconds: 30 * 24 * 3600})],
  }),
);

registerRoute(
  ({url}) => url.origin === self.location.origin && url.pathname.startsWith('/static/'),
  new StaleWhileRevalidate({cacheName: STATIC}),
);

// Any other page without network: a short explanation instead of the browser's error.
setCatchHandler(async ({request}) => {
  if (request.mode === 'navigate') {
    const page = await caches.match(OFFLINE_PAGE);
    if (page) return page;
  }
  return Response.error();
});

/* GIC without network: the service worker, and the outbox of sessions typed offline.
 *
 * Loaded (deferred, after the vendored idb) by every page of a logged-in person;
 * pages work the same without it. What it does:
 * - registers /sw.js, which keeps the technician's pages for offline use; on the
 *   dashboard, the pages of « Mes interventions » are fetched into that cache;
 * - on an intervention's page, a session typed while offline goes into an outbox
 *   in IndexedDB (one entry per session, with a UUID made here), listed under the
 *   form as « non synchronisé » with the time it was typed;
 * - the outbox is replayed in order on page load and when the network comes back,
 *   through the page's own form route (same CSRF token, role and scope checks),
 *   asking for JSON; the server stores each UUID once. A refusal (cap, overlap,
 *   closed year…) stays on its entry with the server's message; the entry can be
 *   changed and sent again, or deleted. Nothing is dropped without the person
 *   seeing it.
 */
(function () {
  'use strict';

  const script = document.currentScript;
  const user = script ? script.dataset.user : null;
  if (!user || !('serviceWorker' in navigator) || !window.idb || !window.indexedDB) {
    return; // the pages work as without script
  }
  navigator.serviceWorker.register('/sw.js', {scope: '/'}).catch(() => {});

  const PAGES = 'gic-pages';
  const dbPromise = idb.openDB('gic-offline', 1, {
    upgrade(db) {
      db.createObjectStore('outbox', {keyPath: 'uuid'});
    },
  });

  // --- The outbox ----------------------------------------------------------------

  async function entries() {
    const all = await (await dbPromise).getAll('outbox');
    return all.filter((e) => e.user === user).sort((a, b) => a.seq - b.seq);
  }

  async function save(entry) {
    await (await dbPromise).put('outbox', entry);
  }

  async function remove(uuid) {
    await (await dbPromise).delete('outbox', uuid);
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // --- What the person reads -----------------------------------------------------

  const MODES = {onsite: 'Sur site', remote: 'À distance'};
  // Dates in the page's language (its <html lang>), French by default.
  const LOCALE = document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR';

  function frenchDate(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(y, m - 1, d).toLocaleDateString(LOCALE,
      {day: 'numeric', month: 'long', year: 'numeric'});
  }

  function typedAt(iso) {
    const at = new Date(iso);
    const time = at.toLocaleTimeString(LOCALE, {hour: '2-digit', minute: '2-digit'});
    if (at.toDateString() === new Date().toDateString()) return t('saisie à %(time)s', {time});
    return t('saisie le %(day)s à %(time)s',
             {day: at.toLocaleDateString(LOCALE, {day: 'numeric', month: 'long'}), time});
  }

  function element(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => node.setAttribute(name, value));
    children.forEach((child) => node.append(child));
    return node;
  }

  const form = document.querySelector('form[data-outbox]');
  const box = document.querySelector('[data-outbox-list]');
  const status = document.querySelector('[data-outbox-status]');
  const intervention = box ? box.dataset.intervention || null : null;

  // The messages below in the reader's language: the outbox's template gives their
  // translations (data-messages, French text -> text shown); French without them.
  const MESSAGES = box && box.dataset.messages ? JSON.parse(box.dataset.messages) : {};

  function t(text, values) {
    let out = MESSAGES[text] || text;
    Object.entries(values || {}).forEach(([name, value]) => {
      out = out.split(`%(${name})s`).join(value);
    });
    return out;
  }

  function say(message) {
    if (status) status.textContent = message;
  }

  async function render() {
    if (!box) return;
    const shown = (await entries()).filter((e) => !intervention || e.intervention === intervention);
    const list = box.querySelector('ol');
    list.replaceChildren(...shown.map(entryItem));
    box.hidden = shown.length === 0;
  }

  function entryItem(e) {
    const v = e.values;
    const item = element('li', {class: `outbox-entry outbox-${e.status}`, 'data-uuid': e.uuid});
    const what = `${frenchDate(v.date)} · ${v.start}–${v.end} · ${t(MODES[v.mode] || v.mode)}`;
    item.append(element('p', {}, element('strong', {}, what)));
    if (!intervention) {
      item.append(element('p', {}, element('a', {href: e.action.replace(/\/sessions$/, '')}, e.title)));
    }
    if (v.notes) item.append(element('p', {class: 'prewrap'}, v.notes));
    const state = element('p', {class: 'outbox-state'},
      element('span', {class: 'badge'}, t('non synchronisé')), ` ${typedAt(e.saved_at)}`);
    if (e.status === 'refused') {
      state.prepend(element('span', {class: 'badge refused'}, t('refusée par le serveur')), ' ');
    }
    item.append(state);
    if (e.message) {
      item.append(element('p', {class: e.status === 'refused' ? 'error' : 'muted',
                                role: e.status === 'refused' ? 'alert' : 'status'}, e.message));
    }
    // Changed on its intervention's page (the form); deleted anywhere it is listed
    // (the dashboard too: an intervention completed since shows no form).
    const buttons = element('div', {class: 'actions'});
    if (form) {
      const edit = element('button', {type: 'button', class: 'secondary'}, t('Modifier'));
      edit.addEventListener('click', () => startEditing(e));
      buttons.append(edit);
    }
    {
      const drop = element('button', {type: 'button', class: 'danger'}, t('Supprimer'));
      drop.addEventListener('click', async () => {
        if (!drop.dataset.armed) { // a second tap confirms: nothing is lost by mistake
          drop.dataset.armed = '1';
          drop.textContent = t('Confirmer la suppression');
          return;
        }
        await remove(e.uuid);
        say(t('Séance en attente supprimée : elle ne sera pas envoyée.'));
        render();
      });
      buttons.append(drop);
    }
    item.append(buttons);
    return item;
  }

  // --- The session form ----------------------------------------------------------

  function field(name) {
    return form.elements.namedItem(name);
  }

  function formValues() {
    const mode = form.querySelector('input[name=mode]:checked');
    return {date: field('date').value.trim(), start: field('start').value.trim(),
            end: field('end').value.trim(), mode: mode ? mode.value : 'onsite',
            notes: field('notes').value};
  }

  function startEditing(e) {
    const v = e.values;
    field('date').value = v.date;
    field('start').value = v.start;
    field('end').value = v.end;
    const mode = form.querySelector(`input[name=mode][value="${v.mode}"]`);
    if (mode) mode.checked = true;
    field('notes').value = v.notes;
    form.dataset.editing = e.uuid;
    say(t('Modification de la séance en attente du %(day)s : corrigez-la puis enregistrez.',
          {day: frenchDate(v.date)}));
    form.scrollIntoView();
    field('date').focus();
  }

  async function keep(event) {
    const editing = form.dataset.editing;
    if (navigator.onLine && !editing) return; // online: the page posts the form as usual
    event.preventDefault();
    const values = formValues();
    if (!values.date || !values.start || !values.end) {
      say(t('Indiquez la date, le début et la fin de la séance.'));
      return;
    }
    const all = await entries();
    const before = all.find((e) => e.uuid === editing);
    const entry = before || {
      // A new UUID per entry (the field's, made by the server, may come from a kept
      // copy of the page, the same after each offline reload).
      uuid: newUuid(), user, intervention,
      title: form.dataset.title, action: form.getAttribute('action').split('#')[0],
      seq: Date.now(),
    };
    Object.assign(entry, {values, status: 'pending', message: '',
                          saved_at: new Date().toISOString()});
    await save(entry);
    delete form.dataset.editing;
    field('client_uuid').value = newUuid();
    field('start').value = '';
    field('end').value = '';
    field('notes').value = '';
    await render();
    if (navigator.onLine) {
      say(t('Séance gardée sur cet appareil : envoi en cours…'));
      sync();
    } else {
      say(t('Pas de réseau : séance gardée sur cet appareil, elle sera envoyée au retour du réseau.'));
    }
  }

  // --- Replay --------------------------------------------------------------------

  function csrfToken() {
    const input = document.querySelector('input[name=csrf_token]');
    return input ? input.value : '';
  }

  let syncing = false;
  let asked = false; // asked again while sending: one more round after this one

  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) {
      asked = true;
      return;
    }
    syncing = true;
    asked = false;
    let sent = 0;
    try {
      for (const e of (await entries()).filter((x) => x.status === 'pending')) {
        const body = new FormData();
        body.set('csrf_token', csrfToken());
        body.set('client_uuid', e.uuid);
        Object.entries(e.values).forEach(([name, value]) => body.set(name, value));
        let response;
        try {
          response = await fetch(e.action, {method: 'POST', body, credentials: 'same-origin',
                                            headers: {Accept: 'application/json'}});
        } catch (error) {
          break; // no network after all: kept for the next try
        }
        const json = (response.headers.get('Content-Type') || '').includes('json')
          ? await response.json().catch(() => null) : null;
        if (response.ok && json && json.session) {
          await remove(e.uuid);
          sent += 1;
        } else if (json && json.error && response.status >= 400 && response.status < 500) {
          e.status = 'refused';
          e.message = json.error.message;
          await save(e);
        } else {
          e.message = response.redirected && new URL(response.url).pathname === '/login'
            ? t('Envoi en attente : votre session a expiré, reconnectez-vous.')
            : t("Envoi en attente : le serveur n'a pas pu l'enregistrer (erreur %(status)s), nouvel essai plus tard.",
                {status: response.status});
          await save(e);
          break;
        }
      }
    } finally {
      syncing = false;
    }
    await render();
    if (asked && !sent) {
      sync();
      return;
    }
    if (sent) {
      window.location.reload(); // the page shows the stored sessions (and the server's message)
    } else if ((await entries()).some((e) => e.status === 'refused')) {
      say(t('Une séance en attente a été refusée : lisez le motif, corrigez-la ou supprimez-la.'));
    }
  }

  // --- « Mes interventions » kept for offline use -----------------------------------

  async function keepPages() {
    const links = [...document.querySelectorAll('[data-offline-pages] a[href]')]
      .map((a) => a.getAttribute('href'));
    if (!links.length || !navigator.onLine || !window.caches) return;
    const cache = await caches.open(PAGES);
    const pages = [window.location.pathname, ...new Set(links)];
    await Promise.all(pages.map(async (href) => {
      try {
        const response = await fetch(href, {credentials: 'same-origin'});
        if (response.ok && !response.redirected) await cache.put(href, response);
      } catch (error) { /* kept at the next visit */ }
    }));
  }

  if (form) {
    if (!field('client_uuid').value) field('client_uuid').value = newUuid();
    form.addEventListener('submit', keep);
  }
  window.addEventListener('online', () => { say(t('Réseau retrouvé : envoi des séances en attente…')); sync(); });
  window.addEventListener('offline', () => say(t('Pas de réseau : les séances saisies seront gardées sur cet appareil.')));
  render().then(sync).then(() => navigator.serviceWorker.ready).then(keepPages);
}());

/* Offline work for volunteers (worklist and visit pages).

   - Registers the service worker (/app/sw.js) from pages that link the manifest.
   - Online: downloads /api/v1/sync/bootstrap into IndexedDB ("crecer" → "data") and keeps
     the visit forms of her families in the page cache for offline use.
   - The visit form, offline: the contact gets a client-made UUID (crypto.randomUUID) and goes
     into the outbox ("crecer" → "outbox") instead of being posted; the form is cleared for
     the next contact.
   - Back online ('online' event, or on load): the outbox is sent in batches to
     /api/v1/sync/contacts; created and duplicate items leave the outbox, rejected ones and
     conflicts (a newer change on the server) are kept apart and shown for resolution.
   - Logout: IndexedDB and the page cache (personal data) are cleared before the form posts.
   Messages come translated from data-* attributes of #offline-status. */
(function () {
  "use strict";
  var DB = "crecer", VERSION = 1, BATCH = 100;
  var status = document.getElementById("offline-status");
  var text = function (key, n) {
    var s = (status && status.dataset[key]) || key;
    return s.replace("%(n)s", String(n));
  };

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        ["data", "outbox", "rejected", "conflicts"].forEach(function (name) {
          if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, name === "data" ? undefined : {keyPath: "id"});
        });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(store, mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), result;
        Promise.resolve(fn(t.objectStore(store))).then(function (r) { result = r; });
        t.oncomplete = function () { db.close(); resolve(result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function all(store) {
    return tx(store, "readonly", function (s) {
      return new Promise(function (resolve) { var r = s.getAll(); r.onsuccess = function () { resolve(r.result); }; });
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function showCounts() {
    if (!status) return Promise.resolve();
    return Promise.all([all("outbox"), all("rejected"), all("conflicts")]).then(function (r) {
      var parts = [];
      if (!navigator.onLine) parts.push(text("offline"));
      parts.push(text("pendingLabel", r[0].length));
      if (r[1].length) parts.push(text("rejected", r[1].length));
      if (r[2].length) parts.push(text("conflicts", r[2].length));
      status.querySelector("[data-role=summary]").textContent = parts.join(" · ");
      status.dataset.pending = String(r[0].length);
      var list = status.querySelector("[data-role=problems]");
      list.textContent = "";
      r[1].concat(r[2]).forEach(function (item) {
        var li = document.createElement("li");
        var why = item.errors ? Object.keys(item.errors).map(function (k) { return k + ": " + item.errors[k]; }).join("; ")
          : text("conflictDetail") + " " + (item.server ? item.server.status + " " + (item.server.review_note || "") : "");
        li.textContent = (item.contact.occurred_at || "").slice(0, 16) + " — " + why;
        list.appendChild(li);
      });
      status.hidden = false;
    }).catch(function () {});
  }

  var flushing = null;
  function flush() {
    if (flushing || !navigator.onLine) return flushing || Promise.resolve();
    flushing = all("outbox").then(function sendSome(items) {
      if (!items.length) return;
      var batch = items.slice(0, BATCH);
      return fetch("/api/v1/sync/contacts", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({contacts: batch.map(function (i) { return i.contact; })}),
      }).then(function (resp) {
        if (!resp.ok) throw new Error("sync " + resp.status);
        return resp.json();
      }).then(function (body) {
        var byId = {};
        batch.forEach(function (i) { byId[i.id] = i; });
        return Promise.all(body.results.map(function (r) {
          var item = byId[r.id];
          var move = r.status === "rejected" ? "rejected" : r.status === "conflict" ? "conflicts" : null;
          var p = move ? tx(move, "readwrite", function (s) { s.put({id: r.id, contact: item.contact, errors: r.errors, server: r.server}); })
            : Promise.resolve();
          return p.then(function () { return tx("outbox", "readwrite", function (s) { s.delete(r.id); }); });
        }));
      }).then(function () { return items.length > BATCH ? all("outbox").then(sendSome) : null; });
    }).catch(function () {}).then(function () { flushing = null; return showCounts(); });
    return flushing;
  }

  function saveBootstrap() {
    if (!navigator.onLine) return;
    fetch("/api/v1/sync/bootstrap", {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      return tx("data", "readwrite", function (s) { s.put(data, "bootstrap"); }).then(function () {
        // Keep this worklist and the visit forms of her families for offline use (due
        // first); the service worker fetches and stores them.
        if (!("serviceWorker" in navigator)) return;
        var links = [location.pathname].concat(Array.prototype.map.call(
          document.querySelectorAll("a[href*='/visit/']"),
          function (a) { return new URL(a.href).pathname; }).slice(0, 60));
        return navigator.serviceWorker.ready.then(function (reg) {
          if (reg.active) reg.active.postMessage({cache: links});
        });
      });
    }).catch(function () {});
  }

  function contactFrom(form) {
    var fd = new FormData(form);
    var when = fd.get("occurred_at");
    var items = [];
    form.querySelectorAll("input[name^='item_']").forEach(function (el) {
      var q = parseInt(el.value, 10);
      if (q > 0) items.push({item_code: el.name.slice(5), quantity: q});
    });
    var obs = {danger_signs: fd.getAll("danger")};
    ["weight_kg", "height_cm"].forEach(function (k) { var v = (fd.get(k) || "").trim(); if (v) obs[k] = v; });
    var note = (fd.get("note") || "").trim();
    if (note) obs.note = note;
    var out = {
      id: uuid(), household_id: form.dataset.household, kind: fd.get("kind"),
      occurred_at: when ? new Date(when).toISOString() : new Date().toISOString(),
      remote_outcome: fd.get("remote_outcome") || "", persons_present: fd.getAll("present"),
      messages_given: fd.getAll("messages"), items_delivered: items, observations: obs,
      coresponsibility_evidence: fd.getAll("evidence"),
    };
    var refPerson = fd.get("ref_person"), refService = fd.get("ref_service");
    if (refPerson && refService) {  // both chosen; a half-filled section is left out offline
      out.referral = {person_id: refPerson || "", service_id: parseInt(refService, 10),
        reason_code: fd.get("ref_reason_code") || "", reason: (fd.get("ref_reason") || "").trim(),
        urgency: fd.get("ref_urgency") || "routine"};
    }
    return out;
  }

  function setNow(form) {
    var when = form.querySelector("[name=occurred_at]");
    var now = new Date();
    if (when) when.value = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  function wireVisitForm() {
    var form = document.getElementById("visit-form");
    if (!form) return;
    setNow(form);
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;  // online: the normal post
      event.preventDefault();
      var contact = contactFrom(form);
      tx("outbox", "readwrite", function (s) { s.put({id: contact.id, contact: contact}); }).then(function () {
        // Stay here, ready for the next contact (every save gets a new id).
        form.reset();
        setNow(form);
        return showCounts();
      }).then(function () {
        var saved = status && status.querySelector("[data-role=saved]");
        if (saved) { saved.textContent = text("saved"); saved.hidden = false; }
        window.scrollTo(0, 0);
      });
    });
  }

  function wireLogout() {
    document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.cleared) return;
        event.preventDefault();
        var done = function () { form.dataset.cleared = "1"; form.submit(); };
        var jobs = [new Promise(function (resolve) {
          var r = indexedDB.deleteDatabase(DB);
          r.onsuccess = r.onerror = r.onblocked = function () { resolve(); };
        })];
        if (window.caches) jobs.push(caches.delete("crecer-pages"));
        Promise.all(jobs).then(done, done);
      });
    });
  }

  if ("serviceWorker" in navigator && document.querySelector("link[rel=manifest]")) {
    navigator.serviceWorker.register("/app/sw.js", {scope: "/"}).catch(function () {});
  }
  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", showCounts);
  wireVisitForm();
  wireLogout();
  showCounts();
  if (navigator.onLine) { flush(); if (document.getElementById("due")) saveBootstrap(); }
  window.crecerOffline = {flush: flush, outbox: function () { return all("outbox"); }};
})();

/* The hotline desk: address search and pin, matter search, similar open cases nearby
   (attach the call), knowledge base, save the call (idempotent). */
(async function () {
  "use strict";
  const S = window.UG_DESK, form = document.getElementById("call-form");
  const csrf = () => decodeURIComponent((document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "");
  const get = async (url) => { const r = await fetch(url, { credentials: "same-origin" }); return r.ok ? r.json() : []; };
  let key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2);
  const map = await UG.makeMap(document.getElementById("desk-map"));
  const pin = UG.movablePin(map, (lat, lng) => { form.lat.value = lat.toFixed(7); form.lng.value = lng.toFixed(7); similar(); });

  function debounce(el, fn) { let t = null; el.addEventListener("input", () => { clearTimeout(t); t = setTimeout(fn, 250); }); }
  function item(list, text, onClick) {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.onclick = onClick; li.appendChild(b); list.appendChild(li); return b;
  }
  const places = document.getElementById("place-results");
  debounce(document.getElementById("place-search"), async () => {
    places.innerHTML = "";
    const q = document.getElementById("place-search").value.trim(); if (!q) return;
    for (const p of await get("/api/v1/hotline/places?q=" + encodeURIComponent(q)))
      item(places, `${p.name} ${p.address || ""}`, () => { pin.place(p.lat, p.lng); map.setView([p.lat, p.lng], 18); form.address.value = p.address || p.name; places.innerHTML = ""; });
  });
  const matters = document.getElementById("matter-results");
  debounce(document.getElementById("matter-search"), async () => {
    matters.innerHTML = "";
    const q = document.getElementById("matter-search").value.trim(); if (!q) return;
    for (const m of (await get("/api/v1/catalog/matters?q=" + encodeURIComponent(q))).slice(0, 12))
      item(matters, `${m.code} ${m.name}`, () => { form.matter_code.value = m.code; document.getElementById("matter-chosen").textContent = `${m.code} ${m.name}`; matters.innerHTML = ""; similar(); });
  });
  async function similar() {
    const list = document.getElementById("similar");
    if (!form.matter_code.value || !form.lat.value) return;
    list.innerHTML = "";
    const found = await get(`/api/v1/hotline/similar?matter_code=${form.matter_code.value}&lat=${form.lat.value}&lng=${form.lng.value}`);
    for (const c of found) {
      const b = item(list, `${c.number} · ${c.address} · ${c.distance_m} m · ${c.progress.status_label} · +${c.progress.support_count}`, () => {
        form.attach_to.value = c.number; form.querySelector("[name=outcome][value=support]").checked = true; });
      b.dataset.number = c.number; b.title = S.attach;
    }
  }
  const kb = document.getElementById("kb-results");
  debounce(document.getElementById("kb-search"), async () => {
    kb.innerHTML = "";
    for (const e of await get("/api/v1/hotline/knowledge?q=" + encodeURIComponent(document.getElementById("kb-search").value)))
      item(kb, `${e.title}: ${e.answer}`, () => { form.answer.value = e.answer; form.knowledge_id.value = e.id; form.querySelector("[name=outcome][value=answered]").checked = true; });
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(form), body = {};
    for (const [k, v] of fd.entries()) if (v !== "") body[k] = v;
    for (const k of ["lng", "lat"]) if (body[k]) body[k] = parseFloat(body[k]);
    if (body.knowledge_id) body.knowledge_id = parseInt(body.knowledge_id, 10);
    const r = await fetch("/api/v1/hotline/calls", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": key }, body: JSON.stringify(body) });
    const answer = await r.json(), out = document.getElementById("call-result");
    if (!r.ok) { out.textContent = answer.message; return; }
    out.textContent = `${S.saved} ${answer.call}` + (answer.case ? ` · ${S.kase} ${answer.case.number}` : "") +
      (answer.progress ? ` · ${answer.progress.status_label}` : "");
    key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
    form.reset();
  });
})();

/* Shared Leaflet helpers: a map that works without a tile server (it draws the unit
   grids from our GeoJSON), and a movable pin. */
(function (global) {
  "use strict";
  function cfg(el) { return { tiles: el.dataset.tiles || "" }; }

  async function makeMap(el, opts) {
    opts = opts || {};
    const map = L.map(el, { zoomControl: true });
    const c = cfg(el);
    if (c.tiles) { L.tileLayer(c.tiles, { maxZoom: 19 }).addTo(map); }
    map.setView([opts.lat || 39.9, opts.lng || 116.4], opts.zoom || 16);
    try {
      const districts = await (await fetch("/api/v1/geo/districts")).json();
      if (districts.length && districts[0].bbox && !opts.lat) {
        const b = districts[0].bbox;
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
      }
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
      const grids = await (await fetch("/api/v1/geo/grids.geojson?limit=2000&bbox=" + bbox)).json();
      L.geoJSON(grids, { style: { color: "#7b93ad", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    } catch (e) { /* offline: the map still takes a pin */ }
    return map;
  }

  function movablePin(map, onMove) {
    let marker = null;
    function place(lat, lng) {
      if (!marker) {
        marker = L.marker([lat, lng], { draggable: true }).addTo(map);
        marker.on("dragend", () => { const p = marker.getLatLng(); onMove(p.lat, p.lng); });
      } else { marker.setLatLng([lat, lng]); }
      onMove(lat, lng);
    }
    map.on("click", (e) => place(e.latlng.lat, e.latlng.lng));
    return { place: place, get: () => marker && marker.getLatLng() };
  }

  global.UG = Object.assign(global.UG || {}, { makeMap: makeMap, movablePin: movablePin });
})(window);

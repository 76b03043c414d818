/* Pick a report's location: click the map to fill longitude and latitude. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || !window.L) return;
  var lng = document.getElementById("id_lng"), lat = document.getElementById("id_lat");
  var map = L.map(el, { maxZoom: 19 }).setView([39.92, 116.41], 14);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var grids = L.geoJSON(null, { style: { color: "#486581", weight: 1, fillOpacity: 0.03 } }).addTo(map);
  function loadGrids() {
    if (map.getZoom() < 14) { grids.clearLayers(); return; }
    var b = map.getBounds();
    fetch("/api/v1/geo/grids.geojson?limit=3000&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(","), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (fc) { grids.clearLayers(); grids.addData(fc); }).catch(function () {});
  }
  map.on("moveend", loadGrids);
  fetch("/api/v1/geo/districts", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (list) {
    if (list && list.length && list[0].bbox) { var b = list[0].bbox; map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
  }).catch(function () {});
  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
  }
  if (lng.value && lat.value) { place([Number(lat.value), Number(lng.value)]); map.setView([Number(lat.value), Number(lng.value)], 17); }
  map.on("click", function (e) {
    place(e.latlng);
    lng.value = e.latlng.lng.toFixed(6); lat.value = e.latlng.lat.toFixed(6);
  });
})();

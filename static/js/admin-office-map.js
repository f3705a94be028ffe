/* The coordinators' office form: drag the pin (or click the map) to place the office by
   hand. Fills the latitude/longitude inputs and ticks "placed by hand"; without JavaScript
   or Leaflet the number inputs work alone. */
(function () {
  "use strict";
  var box = document.getElementById("pin-map");
  if (!box || !window.L) { return; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var pinned = document.getElementById("pinned");
  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isFinite(value) ? value : null;
  }
  box.hidden = false;
  var start = number(lat) !== null && number(lon) !== null ? [number(lat), number(lon)] : null;
  var map = L.map(box).setView(start || [49.0, 31.4], start ? 16 : 5);
  L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution || "" }).addTo(map);
  var marker = null;
  function place(point) {
    lat.value = point.lat.toFixed(6);
    lon.value = point.lng.toFixed(6);
    if (pinned) { pinned.checked = true; }
  }
  function put(point) {
    if (marker) { marker.setLatLng(point); return; }
    marker = L.marker(point, { draggable: true, title: box.dataset.label || "" }).addTo(map);
    marker.on("dragend", function () { place(marker.getLatLng()); });
  }
  if (start) { put(start); }
  map.on("click", function (event) { put(event.latlng); place(event.latlng); });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      if (number(lat) !== null && number(lon) !== null) {
        put([number(lat), number(lon)]);
        map.setView([number(lat), number(lon)], Math.max(map.getZoom(), 14));
      }
    });
  });
})();

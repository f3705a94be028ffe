/* Help Locator maps: draws what locator/maps.py hands over.
 *
 * folium creates the Leaflet map, then calls LocatorMap.attach(map, dataId):
 * the map's data (tile layer, markers, origin, words) is the JSON in the
 * <script type="application/json" id=dataId> block beside it, never code.
 * Everything shown comes from data and is put into the DOM with textContent,
 * never as HTML, so names such as "<img src=x onerror=alert(1)>" stay text.
 * No request leaves our host except the tiles; when they fail, the country
 * outlines (static/vendor/world-atlas) under them keep the map readable.
 */
(function () {
  "use strict";

  var BASEMAP_PANE = "locatorBasemap";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function label(config, key, fallback) {
    var value = config.labels && config.labels[key];
    return value || fallback;
  }

  function safeHref(url) {
    if (typeof url !== "string") return null;
    return /^(\/(?!\/)|https?:\/\/)/i.test(url) ? url : null;
  }

  function telHref(phone) {
    var digits = String(phone).replace(/[^+\d]/g, "");
    return digits ? "tel:" + digits : null;
  }

  function drawBasemap(map, config) {
    if (!config.outlineUrl || !window.fetch) return;
    var pane = map.createPane(BASEMAP_PANE);
    pane.style.zIndex = 150; // under the tiles (200) and markers (600)
    pane.style.pointerEvents = "none";
    fetch(config.outlineUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("outline " + response.status);
        return response.json();
      })
      .then(function (geojson) {
        L.geoJSON(geojson, {
          pane: BASEMAP_PANE,
          interactive: false,
          style: {
            color: "#8a949e",
            weight: 0.8,
            fillColor: "#eef0f2",
            fillOpacity: 1,
          },
        }).addTo(map);
        map.getContainer().setAttribute("data-basemap", "ready");
      })
      .catch(function () {
        map.getContainer().setAttribute("data-basemap", "failed");
      });
  }

  /* Popup content: name, address, phone, open now, link to the office page. */
  function popupContent(office, config) {
    var box = el("div", "locator-popup");
    var title = el("p", "locator-popup__name");
    var name = (office.n ? office.n + ". " : "") + (office.name || "");
    var href = safeHref(office.url);
    if (href) {
      var link = el("a", null, name);
      link.href = href;
      if (config.embed) {
        link.target = "_blank";
        link.rel = "noopener";
      }
      title.appendChild(link);
    } else {
      title.textContent = name;
    }
    box.appendChild(title);
    var address = [office.address, office.city].filter(Boolean).join(", ");
    if (address) box.appendChild(el("p", "locator-popup__address", address));
    if (office.phone) {
      var phone = el("p", "locator-popup__phone");
      var tel = telHref(office.phone);
      if (tel) {
        var call = el("a", null, office.phone);
        call.href = tel;
        phone.appendChild(call);
      } else {
        phone.textContent = office.phone;
      }
      box.appendChild(phone);
    }
    if (office.open_now === true || office.open_now === false) {
      var open = office.open_now;
      box.appendChild(
        el(
          "p",
          "locator-popup__status " + (open ? "is-open" : "is-closed"),
          open ? label(config, "open", "Open now") : label(config, "closed", "Closed now")
        )
      );
    }
    if (href) {
      var more = el("a", "locator-popup__more", label(config, "details", "Details"));
      more.href = href;
      if (config.embed) {
        more.target = "_blank";
        more.rel = "noopener";
      }
      box.appendChild(more);
    }
    return box;
  }

  function officeTitle(office) {
    return (office.n ? office.n + ". " : "") + (office.name || "");
  }

  function numberedIcon(n, extra) {
    var html = el("span", "locator-pin__n", n);
    return L.divIcon({
      className: "locator-pin locator-pin--numbered" + (extra ? " " + extra : ""),
      html: html.outerHTML,
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      popupAnchor: [0, -14],
    });
  }

  function officeMarker(office, config) {
    var options = { title: officeTitle(office), alt: officeTitle(office), riseOnHover: true };
    if (office.n) options.icon = numberedIcon(office.n);
    else if (!office.main && config.mode === "office") {
      options.icon = L.divIcon({
        className: "locator-pin locator-pin--neighbour",
        iconSize: [18, 18],
        iconAnchor: [9, 9],
        popupAnchor: [0, -8],
      });
    }
    var marker = L.marker([office.lat, office.lon], options);
    marker.bindPopup(function () {
      return popupContent(office, config);
    });
    marker.office = office;
    return marker;
  }

  function originMarker(map, config) {
    if (!config.origin) return null;
    var text = label(config, "origin", "Search point");
    if (config.origin.label) text += ": " + config.origin.label;
    // A node, not a string: Leaflet puts a string into the tooltip as HTML, and the label
    // is a place name from the geocoder (OpenStreetMap data anyone can edit).
    var tooltip = el("span", "locator-origin__label", text);
    return L.circleMarker([config.origin.lat, config.origin.lon], {
      radius: 8,
      color: "#ffffff",
      weight: 3,
      fillColor: "#b3261e",
      fillOpacity: 1,
      className: "locator-origin",
    })
      .bindTooltip(tooltip)
      .addTo(map);
  }

  /* ---- results and office maps: a handful of markers given in the page ---- */

  function linkList(map, markers, config) {
    // List items: data-map-marker="N", or data-number="N" in the results list.
    var items = document.querySelectorAll("[data-map-marker], [data-office-list] > [data-number]");
    function itemNumber(item) {
      return item.getAttribute("data-map-marker") || item.getAttribute("data-number");
    }
    var byNumber = {};
    markers.forEach(function (marker) {
      if (marker.office.n) byNumber[String(marker.office.n)] = marker;
    });

    function highlightItem(n) {
      Array.prototype.forEach.call(items, function (item) {
        var on = itemNumber(item) === String(n);
        item.classList.toggle("is-focused", on);
        if (on) {
          item.setAttribute("aria-current", "true");
          if (item.scrollIntoView) item.scrollIntoView({ block: "nearest" });
        } else {
          item.removeAttribute("aria-current");
        }
      });
    }

    function focusMarker(n) {
      var marker = byNumber[String(n)];
      if (!marker) return;
      markers.forEach(function (m) {
        var icon = m.getElement && m.getElement();
        if (icon) icon.classList.toggle("is-focused", m === marker);
      });
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14));
      marker.openPopup();
      highlightItem(n);
      var container = map.getContainer();
      if (container.scrollIntoView) container.scrollIntoView({ block: "nearest" });
    }

    markers.forEach(function (marker) {
      if (!marker.office.n) return;
      // popupopen: a click, Enter on the focused marker, or "Show on map".
      marker.on("popupopen", function () {
        markers.forEach(function (m) {
          var icon = m.getElement && m.getElement();
          if (icon) icon.classList.toggle("is-focused", m === marker);
        });
        highlightItem(marker.office.n);
      });
    });

    Array.prototype.forEach.call(items, function (item) {
      var n = itemNumber(item);
      if (!byNumber[n] || item.querySelector(".locator-show-on-map")) return;
      var button = el("button", "locator-show-on-map", label(config, "show", "Show on map"));
      button.type = "button";
      button.setAttribute("aria-controls", map.getContainer().id);
      button.addEventListener("click", function () {
        focusMarker(n);
      });
      item.appendChild(button);
    });
    return focusMarker;
  }

  function drawMarkers(map, config) {
    var markers = (config.markers || []).map(function (office) {
      return officeMarker(office, config).addTo(map);
    });
    originMarker(map, config);
    if (config.fit) {
      var bounds = L.latLngBounds(config.fit);
      if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
        map.setView(bounds.getCenter(), 14);
      } else {
        map.fitBounds(bounds, { padding: [48, 48], maxZoom: 15 });
      }
    }
    var main = markers.filter(function (m) {
      return m.office.main;
    })[0];
    if (main) {
      var icon = main.getElement && main.getElement();
      if (icon) icon.classList.add("locator-main");
    }
    var focus = linkList(map, markers, config);
    return { markers: markers, focus: focus };
  }

  /* ---- overview map: GeoJSON by bounding box, clustered ---- */

  function statusBox(map, config) {
    var id = config.statusId || map.getContainer().id + "-status";
    var box = document.getElementById(id);
    if (!box) {
      box = el("p", "locator-map-status");
      box.id = id;
      box.setAttribute("role", "status");
      map.getContainer().parentNode.insertBefore(box, map.getContainer().nextSibling);
    }
    return box;
  }

  function clusterIcon(count) {
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var inner = el("div");
    inner.appendChild(el("span", null, count));
    return L.divIcon({
      html: inner.outerHTML,
      className: "marker-cluster marker-cluster-" + size + " locator-server-cluster",
      iconSize: [40, 40],
    });
  }

  function formFilters(form) {
    var filters = {};
    if (!form) return filters;
    var data = new FormData(form);
    ["category", "language", "open_now"].forEach(function (key) {
      var value = data.get(key);
      if (value) filters[key] = value;
    });
    return filters;
  }

  function overview(map, config) {
    var status = statusBox(map, config);
    var form = config.formId ? document.getElementById(config.formId) : null;
    var filters = config.filters || {};
    var singles = L.markerClusterGroup
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
      : L.layerGroup();
    var clusters = L.layerGroup();
    singles.addTo(map);
    clusters.addTo(map);
    var controller = null;
    var timer = null;
    var state = { requests: 0, features: 0 };
    map.getContainer().locatorState = state;

    function query() {
      var b = map.getBounds();
      var west = Math.max(-180, b.getWest());
      var east = Math.min(180, b.getEast());
      if (east - west >= 360 || b.getEast() - b.getWest() >= 360) {
        west = -180;
        east = 180;
      }
      var params = new URLSearchParams();
      params.set(
        "bbox",
        [west, Math.max(-90, b.getSouth()), east, Math.min(90, b.getNorth())]
          .map(function (v) {
            return v.toFixed(4);
          })
          .join(",")
      );
      params.set("zoom", String(map.getZoom()));
      Object.keys(filters).forEach(function (key) {
        params.set(key, filters[key]);
      });
      return config.dataUrl + "?" + params.toString();
    }

    function render(collection) {
      singles.clearLayers();
      clusters.clearLayers();
      var total = 0;
      var points = [];
      (collection.features || []).forEach(function (feature) {
        var coords = feature.geometry && feature.geometry.coordinates;
        var props = feature.properties || {};
        if (!coords) return;
        if (props.cluster) {
          total += props.count;
          var marker = L.marker([coords[1], coords[0]], {
            icon: clusterIcon(props.count),
            title: label(config, "cluster", "{count} offices: zoom in").replace(
              "{count}",
              props.count
            ),
          });
          marker.on("click keypress", function (event) {
            if (event.type === "keypress" && event.originalEvent.keyCode !== 13) return;
            var bb = props.bbox;
            if (bb && (bb[0] !== bb[2] || bb[1] !== bb[3])) {
              map.fitBounds(
                [
                  [bb[1], bb[0]],
                  [bb[3], bb[2]],
                ],
                { padding: [20, 20] }
              );
            } else {
              map.setView([coords[1], coords[0]], map.getZoom() + 2);
            }
          });
          clusters.addLayer(marker);
        } else {
          total += 1;
          var office = {
            slug: props.slug,
            name: props.name,
            address: props.address,
            city: props.city,
            phone: props.phone,
            open_now: props.open_now,
            url: props.url,
            lat: coords[1],
            lon: coords[0],
          };
          points.push(officeMarker(office, config));
        }
      });
      if (singles.addLayers) singles.addLayers(points);
      else
        points.forEach(function (m) {
          singles.addLayer(m);
        });
      state.features = (collection.features || []).length;
      status.textContent =
        total === 0
          ? label(config, "none", "No offices in this area.")
          : label(config, "count", "Offices in view: {count}").replace("{count}", total);
      map.getContainer().setAttribute("data-loaded", String(state.requests));
    }

    function load() {
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      state.requests += 1;
      status.textContent = label(config, "loading", "Loading offices…");
      fetch(query(), {
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          if (!response.ok) throw new Error("offices " + response.status);
          return response.json();
        })
        .then(render)
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          status.textContent = label(config, "error", "Could not load the offices.");
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    }

    if (form) {
      form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "near") return;
        filters = formFilters(form);
        if (window.history && window.history.replaceState) {
          var url = new URL(window.location.href);
          ["category", "language", "open_now"].forEach(function (key) {
            if (filters[key]) url.searchParams.set(key, filters[key]);
            else url.searchParams.delete(key);
          });
          window.history.replaceState(null, "", url.toString());
        }
        load();
      });
    }
    originMarker(map, config);
    map.on("moveend", schedule);
    load();
  }

  /* The map's data: an object, or the id of its JSON block. */
  function readConfig(source) {
    if (typeof source !== "string") return source || {};
    var block = document.getElementById(source);
    return block ? JSON.parse(block.textContent) : {};
  }

  function addTiles(map, config) {
    var tiles = config.tiles;
    if (!tiles || typeof tiles.url !== "string" || !tiles.url) return;
    L.tileLayer(tiles.url, {
      attribution: tiles.attribution || "",
      maxZoom: tiles.maxZoom || 19,
      maxNativeZoom: tiles.maxZoom || 19,
    }).addTo(map);
  }

  function attach(map, source) {
    var config = readConfig(source);
    var container = map.getContainer();
    container.classList.add("locator-map-ready");
    container.locatorMap = map;
    addTiles(map, config);
    drawBasemap(map, config);
    var result = null;
    if (config.mode === "overview") overview(map, config);
    else result = drawMarkers(map, config);
    window.LocatorMap.maps.push({ map: map, config: config, result: result });
    return map;
  }

  window.LocatorMap = { attach: attach, maps: [], popupContent: popupContent };
})();

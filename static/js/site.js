// Help Locator: progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // "Use my location": asks the browser, then opens /offices?lat=&lon=.
  // The position is only put in that GET request; it is never stored.
  function setupLocate(box) {
    var button = box.querySelector("[data-locate-button]");
    var message = box.querySelector("[data-locate-message]");
    if (!button) return;
    button.hidden = false;
    function say(key) { message.textContent = box.getAttribute("data-msg-" + key) || ""; }
    button.addEventListener("click", function () {
      if (!("geolocation" in navigator)) { say("unsupported"); return; }
      say("working");
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = new URL(box.getAttribute("data-target"), window.location.href);
        var keep = new URLSearchParams(window.location.search);
        ["category", "language", "open_now", "radius_km", "lang"].forEach(function (k) {
          if (keep.get(k)) url.searchParams.set(k, keep.get(k));
        });
        url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
        url.searchParams.set("lon", pos.coords.longitude.toFixed(5));
        window.location.assign(url.toString());
      }, function (err) {
        button.disabled = false;
        say(err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable");
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
    });
  }

  document.querySelectorAll("[data-locate]").forEach(setupLocate);
})();

// The Web Share API button, shown only where the browser has navigator.share.
(function () {
  "use strict";
  if (typeof navigator.share !== "function") return;
  document.querySelectorAll("[data-share]").forEach(function (box) {
    var button = box.querySelector("[data-share-button]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({
        title: box.getAttribute("data-share-title") || document.title,
        url: box.getAttribute("data-share-url") || window.location.href
      }).catch(function () { /* the person closed the share sheet */ });
    });
  });
})();

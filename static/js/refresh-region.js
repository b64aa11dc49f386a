// A part of a page that the server is still changing (a file being built, reminders being
// sent) carries data-refresh-seconds: it is fetched again after that many seconds and replaced
// in place, until the server's copy no longer asks for it. A <meta http-equiv="refresh">
// reloaded the whole page instead, which WCAG 2.2.1 forbids (a screen reader starts again at
// the top every two seconds); it stays only inside <noscript>.
(function () {
  "use strict";

  // Only the children that changed are replaced: a message that stays (role="alert") is not
  // inserted again, so a screen reader announces it once.
  function replaceChanged(region, fresh) {
    var old = region.children;
    var next = fresh.children;
    if (old.length !== next.length) {
      region.innerHTML = fresh.innerHTML;
      return;
    }
    for (var i = next.length - 1; i >= 0; i -= 1) {
      if (old[i].outerHTML !== next[i].outerHTML) {
        region.replaceChild(document.importNode(next[i], true), old[i]);
      }
    }
  }

  function schedule(region) {
    var seconds = Number(region.dataset.refreshSeconds);
    if (!seconds) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh) {
            window.location.reload();
            return;
          }
          replaceChanged(region, fresh);
          if (fresh.dataset.refreshSeconds) {
            region.dataset.refreshSeconds = fresh.dataset.refreshSeconds;
          } else {
            delete region.dataset.refreshSeconds;
          }
          schedule(region);
        })
        .catch(function () {
          schedule(region); // the server did not answer: try again later
        });
    }, seconds * 1000);
  }

  document.querySelectorAll("[data-refresh-seconds][id]").forEach(schedule);
})();

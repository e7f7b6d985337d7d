/* Meeting mode: countdowns for the running segment and the member presenting, and keeping
   open panels open when htmx refreshes the live part of the page.

   The server renders each deadline and its own clock as Unix seconds (data-deadline,
   data-server-now); the phone's clock may be off, so each countdown measures the offset once
   and counts against the server's time. Without JavaScript the page shows "until HH:MM". */
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(seconds) {
    var sign = seconds < 0 ? "−" : "";
    var s = Math.abs(seconds);
    return sign + Math.floor(s / 60) + ":" + pad(s % 60);
  }

  var buzzed = {};

  function tick() {
    var timers = document.querySelectorAll("[data-deadline]");
    var now = Date.now();
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      var deadline = Number(el.getAttribute("data-deadline")) * 1000;
      if (!deadline) {
        continue;
      }
      if (el.cerchiaOffset === undefined) {
        el.cerchiaOffset = Number(el.getAttribute("data-server-now")) * 1000 - now;
      }
      var left = Math.round((deadline - (now + el.cerchiaOffset)) / 1000);
      el.textContent = format(left);
      el.classList.toggle("overtime", left < 0);
      // Buzz once when time runs out (not again when a refresh brings the same deadline).
      if (left < 0 && left > -3 && !buzzed[deadline]) {
        buzzed[deadline] = true;
        if (navigator.vibrate) {
          navigator.vibrate(200);
        }
      }
    }
  }

  // htmx replaces the live part every few seconds (a second phone follows the first): keep
  // the panels the leader opened open.
  var open = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "live-state") {
      open = Array.prototype.map.call(
        event.detail.target.querySelectorAll("details[open][id]"),
        function (d) { return d.id; }
      );
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) {
        d.open = true;
      }
    });
    tick();
  });

  function start() {
    tick();
    window.setInterval(tick, 500);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Retention charts. The settings and numbers come from the page (json_script, built on the
   server with the same numbers as the tables beside each chart); without JavaScript the
   tables alone remain. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("retention-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    Object.keys(charts).forEach(function (id) {
      var canvas = document.getElementById(id);
      if (canvas) {
        new window.Chart(canvas, charts[id]);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

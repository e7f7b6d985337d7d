// Check-in: where the browser can read QR codes (BarcodeDetector), a button opens the camera
// and fills the code field with what it reads, then sends it. Everywhere else the field works
// as it is: typed by hand, or by a USB or phone scanner that types what it reads.
(function () {
  "use strict";
  var button = document.getElementById("camera-button");
  var video = document.getElementById("camera-view");
  var form = document.getElementById("check-in-form");
  var field = document.getElementById("check-in-code");
  if (!button || !video || !form || !field) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  var stream = null;
  var last = "";

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      var scan = function () {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue !== last) {
            last = codes[0].rawValue;
            field.value = last;
            form.requestSubmit();
          }
          window.setTimeout(scan, 300);
        }).catch(function () { window.setTimeout(scan, 500); });
      };
      scan();
    }).catch(stop);
  });
})();

/* Signature pads of the completion form (templates/interventions/detail.html).
 *
 * Each [data-signature-pad] holds a <canvas> drawn on with pointer events (finger,
 * stylus or mouse) and names the hidden field that receives the drawing as a PNG
 * data URL when a stroke ends; « Effacer » empties both. The server checks the PNG
 * (gic/interventions/sheet.py). Loaded as a file (strict CSP: no inline script);
 * without JavaScript the signing part stays hidden and completion works without it.
 */
(function () {
  "use strict";

  var INK = "#10243e";

  function setup(pad) {
    var canvas = pad.querySelector("canvas");
    var input = document.getElementById(pad.getAttribute("data-signature-pad"));
    var clear = pad.querySelector("[data-clear]");
    var state = pad.querySelector("[data-pad-state]");
    var idle = state ? state.textContent : "";
    // The page gives the text in its reader's language (French without it).
    var done = (state && state.getAttribute("data-signed-text")) || "Signature enregistrée.";
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;

    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * canvas.width / box.width,
        y: (event.clientY - box.top) * canvas.height / box.height
      };
    }

    function signed(yes) {
      pad.classList.toggle("signed", yes);
      if (state) {
        state.textContent = yes ? done : idle;
      }
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });

    function end() {
      if (!drawing) {
        return;
      }
      drawing = false;
      input.value = canvas.toDataURL("image/png");
      signed(true);
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      signed(false);
    });

    // A page shown again after a refusal keeps what was signed: draw it back.
    if (input.value.indexOf("data:image/png;base64,") === 0) {
      var image = new Image();
      image.addEventListener("load", function () {
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        signed(true);
      });
      image.src = input.value;
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-signing]"), function (box) {
    box.hidden = false;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setup);
}());

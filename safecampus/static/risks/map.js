// Four-colour map: the print button, and the editor that draws areas on the campus plan.
// Rectangles: drag. Polygons: click the corners, then double-click or press Enter (Escape
// cancels, Backspace removes the last corner). Select: click an area to redraw, rename or
// delete it. The shape goes into the area form's hidden "shape" field as fractions 0..1 of
// the plan, and the server checks it again.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var CLOSE = 0.004; // a click this near the last corner is the same corner (double-click)

  function round(v) { return Math.round(Math.min(1, Math.max(0, v)) * 100000) / 100000; }

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupEditor(editor) {
    var svg = editor.querySelector("svg.map-overlay");
    var form = document.getElementById("area-form");
    if (!svg || !form) { return; }
    var shapeInput = form.querySelector("[name=shape]");
    var areaSelect = form.querySelector("[name=area]");
    var nameInput = form.querySelector("[name=name]");
    var status = document.getElementById("draw-status");
    var box = svg.viewBox.baseVal;
    var mode = "rect";
    var corners = []; // polygon in progress
    var dragFrom = null;

    var draft = document.createElementNS(SVGNS, "polygon");
    draft.setAttribute("class", "map-draft");
    draft.setAttribute("id", "map-draft");
    svg.appendChild(draft);
    var dots = document.createElementNS(SVGNS, "g");
    svg.appendChild(dots);

    function say(key) { status.textContent = editor.getAttribute("data-msg-" + key) || ""; }

    function at(event) {
      var r = svg.getBoundingClientRect();
      return [round((event.clientX - r.left) / r.width), round((event.clientY - r.top) / r.height)];
    }

    function draw(points) {
      draft.setAttribute("points", points.map(function (p) {
        return (p[0] * box.width).toFixed(1) + "," + (p[1] * box.height).toFixed(1);
      }).join(" "));
      while (dots.firstChild) { dots.removeChild(dots.firstChild); }
      if (mode !== "polygon") { return; }
      points.forEach(function (p) {
        var dot = document.createElementNS(SVGNS, "circle");
        dot.setAttribute("class", "map-draft-dot");
        dot.setAttribute("cx", p[0] * box.width);
        dot.setAttribute("cy", p[1] * box.height);
        dot.setAttribute("r", Math.max(box.width, box.height) / 250);
        dots.appendChild(dot);
      });
    }

    function rectCorners(a, b) { return [[a[0], a[1]], [b[0], a[1]], [b[0], b[1]], [a[0], b[1]]]; }

    function showShape(shape) {
      draw(shape.type === "rect" ? rectCorners(shape.points[0], shape.points[1]) : shape.points);
    }

    function finish(shape) {
      shapeInput.value = JSON.stringify(shape);
      showShape(shape);
      corners = [];
      say("ready");
      if (!areaSelect.value) { nameInput.focus(); }
    }

    function reset() {
      corners = [];
      dragFrom = null;
      shapeInput.value = "";
      draw([]);
    }

    function closePolygon() {
      if (corners.length >= 3) {
        finish({ type: "polygon", points: corners.slice(0, 50) });
      } else {
        say("few");
      }
    }

    function highlight() {
      svg.querySelectorAll(".map-area").forEach(function (g) {
        g.classList.toggle("selected", g.getAttribute("data-area-id") === areaSelect.value);
      });
      var chosen = areaSelect.options[areaSelect.selectedIndex];
      nameInput.placeholder = areaSelect.value && chosen ? chosen.text : "";
    }

    function setMode(next) {
      mode = next;
      editor.setAttribute("data-mode", mode);
      editor.querySelectorAll("[data-mode-button]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-mode-button") === mode ? "true" : "false");
      });
      corners = [];
      if (!shapeInput.value) { draw([]); }
      say(mode);
    }

    editor.querySelectorAll("[data-mode-button]").forEach(function (b) {
      b.addEventListener("click", function () { setMode(b.getAttribute("data-mode-button")); });
    });
    var clear = editor.querySelector("[data-draw-clear]");
    if (clear) { clear.addEventListener("click", function () { reset(); say(mode); }); }

    svg.addEventListener("mousedown", function (event) {
      if (event.button !== 0 || mode !== "rect") { return; }
      event.preventDefault();
      shapeInput.value = "";
      dragFrom = at(event);
    });
    window.addEventListener("mousemove", function (event) {
      if (dragFrom) { draw(rectCorners(dragFrom, at(event))); }
    });
    window.addEventListener("mouseup", function (event) {
      if (!dragFrom) { return; }
      var to = at(event);
      var from = dragFrom;
      dragFrom = null;
      if (Math.abs(to[0] - from[0]) < 0.005 || Math.abs(to[1] - from[1]) < 0.005) {
        draw([]);
        say("tiny");
        return;
      }
      finish({ type: "rect", points: [from, to] });
    });

    svg.addEventListener("click", function (event) {
      if (mode === "select") {
        var group = event.target.closest(".map-area");
        if (group) {
          areaSelect.value = group.getAttribute("data-area-id");
          highlight();
          say("selected");
        }
        return;
      }
      if (mode !== "polygon") { return; }
      var p = at(event);
      var last = corners[corners.length - 1];
      if (last && Math.abs(last[0] - p[0]) < CLOSE && Math.abs(last[1] - p[1]) < CLOSE) { return; }
      if (corners.length === 0) { shapeInput.value = ""; }
      corners.push(p);
      draw(corners);
      say(corners.length >= 3 ? "close" : "polygon");
    });
    svg.addEventListener("dblclick", function (event) {
      if (mode !== "polygon") { return; }
      event.preventDefault();
      closePolygon();
    });
    document.addEventListener("keydown", function (event) {
      if (mode !== "polygon" || corners.length === 0) { return; }
      var typing = event.target.closest && event.target.closest("input, select, textarea");
      if (typing) { return; }
      if (event.key === "Enter") { event.preventDefault(); closePolygon(); }
      if (event.key === "Escape") { corners = []; draw([]); say("polygon"); }
      if (event.key === "Backspace") { event.preventDefault(); corners.pop(); draw(corners); }
    });
    areaSelect.addEventListener("change", highlight);

    // After a refused save the form comes back with the drawn shape: show it again.
    if (shapeInput.value) {
      try { showShape(JSON.parse(shapeInput.value)); } catch (e) { shapeInput.value = ""; }
    }
    setMode("rect");
    highlight();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    var editor = document.getElementById("map-editor");
    if (editor) { setupEditor(editor); }
  });
})();

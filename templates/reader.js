// Reading aids for quire's default theme. Each is optional: without script the page reads the
// same, only without these buttons. No framework, no requests.
(function () {
  "use strict";
  var root = document.documentElement;
  var chinese = (root.lang || "").toLowerCase().indexOf("zh") === 0;
  var words = chinese
    ? { copy: "复制", copied: "已复制", top: "回到顶部", light: "浅色", dark: "深色" }
    : { copy: "Copy", copied: "Copied", top: "Back to top", light: "Light", dark: "Dark" };

  // Light/dark: follows the system until the reader chooses; the choice is remembered (the
  // inline script in <head> applies it before the first paint).
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var system = window.matchMedia("(prefers-color-scheme: dark)");
    var current = function () {
      return root.dataset.theme || (system.matches ? "dark" : "light");
    };
    var show = function () {
      var dark = current() === "dark";
      toggle.textContent = dark ? "☀ " + words.light : "☾ " + words.dark;
      toggle.setAttribute("aria-pressed", dark ? "true" : "false");
    };
    toggle.hidden = false;
    show();
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("quire-theme", next); } catch (e) { /* private mode */ }
      show();
    });
    system.addEventListener("change", show);
  }

  // A copy button on each code block.
  if (navigator.clipboard) {
    document.querySelectorAll(".post-content pre > code").forEach(function (code) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = words.copy;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.innerText).then(function () {
          button.textContent = words.copied;
          setTimeout(function () { button.textContent = words.copy; }, 1500);
        });
      });
      code.parentElement.appendChild(button);
    });
  }

  // Back to top, once the reader is a screen down.
  var up = document.createElement("button");
  up.type = "button";
  up.className = "back-to-top";
  up.textContent = "↑";
  up.setAttribute("aria-label", words.top);
  up.hidden = true;
  up.addEventListener("click", function () { window.scrollTo({ top: 0, behavior: "smooth" }); });
  document.body.appendChild(up);

  // The table of contents marks the section being read.
  var links = Array.prototype.slice.call(document.querySelectorAll(".toc a[href^='#']"));
  var targets = links.map(function (a) {
    return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
  });
  var pending = false;
  var update = function () {
    pending = false;
    up.hidden = window.scrollY < window.innerHeight;
    var at = -1;
    targets.forEach(function (h, i) {
      if (h && h.getBoundingClientRect().top < 120) at = i;
    });
    links.forEach(function (a, i) { a.classList.toggle("current", i === at); });
  };
  window.addEventListener("scroll", function () {
    if (!pending) { pending = true; window.requestAnimationFrame(update); }
  }, { passive: true });
  update();
})();

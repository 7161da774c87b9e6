// Copying a selection that holds formulas puts their TeX on the clipboard ($…$ inline,
// $$…$$ display), the way KaTeX's copy-tex extension does; the page itself is left alone.
// A selection that starts or ends inside a formula takes the whole formula.
(function () {
  "use strict";
  function formulaAround(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element && element.closest(".katex-display, .katex");
  }
  document.addEventListener("copy", function (event) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !event.clipboardData) return;
    var range = selection.getRangeAt(0).cloneRange();
    var start = formulaAround(range.startContainer);
    var end = formulaAround(range.endContainer);
    if (start) range.setStartBefore(start);
    if (end) range.setEndAfter(end);
    var fragment = range.cloneContents();
    var formulas = fragment.querySelectorAll(".katex");
    if (formulas.length === 0) return;
    formulas.forEach(function (katex) {
      var tex = katex.querySelector('annotation[encoding="application/x-tex"]');
      if (!tex) return;
      var box = katex.parentElement;
      var display = box && box.classList.contains("katex-display");
      var text = display ? "$$" + tex.textContent + "$$" : "$" + tex.textContent + "$";
      (display ? box : katex).replaceWith(document.createTextNode(text));
    });
    var holder = document.createElement("div");
    holder.appendChild(fragment);
    event.clipboardData.setData("text/plain", holder.textContent);
    event.clipboardData.setData("text/html", holder.innerHTML);
    event.preventDefault();
  });
})();

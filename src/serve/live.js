// quire serve: reloads this page when the site is rebuilt, and shows build problems on top of it.
// Injected by the preview server only; `quire build` output never contains it.
(() => {
  "use strict";
  const script = document.currentScript;
  let version = Number(script && script.dataset.quireVersion);
  const OVERLAY_ID = "quire-overlay";

  function clear() {
    const old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function show(problems) {
    clear();
    if (!problems || problems.length === 0) return;
    const failed = problems.some((p) => p.severity === "error");
    const box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:12px 16px;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;" +
      "white-space:pre-wrap;color:#fff;box-shadow:0 -2px 12px rgba(0,0,0,.4);" +
      (failed ? "background:#8b1a1a;" : "background:#6b4e00;");
    const head = document.createElement("div");
    head.style.cssText = "font-weight:bold;margin-bottom:6px;";
    head.textContent = failed
      ? "quire: the build failed; this page is the last good build. Fix and save to clear this."
      : "quire: the build has warnings.";
    const close = document.createElement("button");
    close.textContent = "×";
    close.title = "Hide until the next build";
    close.style.cssText = "float:right;font-size:18px;line-height:1;background:none;border:0;color:#fff;cursor:pointer;";
    close.onclick = () => box.remove();
    head.prepend(close);
    box.appendChild(head);
    for (const p of problems) {
      const line = document.createElement("div");
      line.className = "quire-problem quire-" + p.severity;
      line.textContent = p.severity + ": " + p.text;
      box.appendChild(line);
    }
    document.body.appendChild(box);
  }

  // The build right after this page's changed only the search index (made in the background
  // after an edit): the page shows nothing of it, unless it has loaded the old index, whose
  // files are gone now.
  function onlyTheIndex(status) {
    const index = status.base_path + "/pagefind/";
    const usedIndex = performance
      .getEntriesByType("resource")
      .some((r) => new URL(r.name, location.href).pathname.startsWith(index));
    return (
      status.version === version + 1 &&
      Array.isArray(status.changed) &&
      status.changed.length > 0 &&
      status.changed.every((p) => p.startsWith(index)) &&
      !usedIndex
    );
  }

  function onStatus(event) {
    const status = JSON.parse(event.data);
    if (onlyTheIndex(status)) {
      version = status.version;
      if (script) script.dataset.quireVersion = String(version);
    }
    if (status.version !== version) {
      source.close();
      location.reload();
      return;
    }
    show(status.problems);
  }

  const source = new EventSource("/__quire/events");
  for (const name of ["status", "reload", "problems"]) source.addEventListener(name, onStatus);
})();

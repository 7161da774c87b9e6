// Search as you type, for quire's default theme: the header's box and the search page query
// the index that Pagefind wrote into /pagefind/ when the site was built, so nothing leaves the
// site. The index is fetched only once a reader focuses a search box, and then only the
// chunks a query needs. Without this script the header's box still submits to /search/.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL) return;
  // Beside this script, so a site under a base path (/repo/) finds its bundle; Pagefind works
  // out the same base for the result links from where pagefind.js came from.
  var bundle = new URL("pagefind/pagefind.js", script.src).href;
  var loading = null;
  function pagefind() {
    if (!loading) {
      loading = import(bundle).then(function (pf) {
        return pf.init().then(function () { return pf; });
      });
    }
    return loading;
  }
  function escape(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // Pagefind cuts its excerpt at a word, and in Chinese the word before may be a comma's:
  // an excerpt does not start with punctuation that closes or separates.
  var LEADING = /^[\s，。；：、！？）」』】》,.;:!?)\]}]+/;

  function hit(d) {
    var sections = (d.sub_results || []).filter(function (s) {
      return s.url !== d.url && s.url.indexOf("#") > 0;
    }).slice(0, 3);
    var html = '<li class="search-hit"><a class="search-title" href="' + escape(d.url) + '">' +
      escape(d.meta.title || d.url) + "</a>" +
      // Pagefind's excerpt: the page's text, escaped, with the matches in <mark>.
      '<p class="search-excerpt">' + d.excerpt.replace(LEADING, "") + "</p>";
    if (sections.length) {
      html += '<ul class="search-sections">' + sections.map(function (s) {
        return '<li><a href="' + escape(s.url) + '">' + escape(s.title) + "</a></li>";
      }).join("") + "</ul>";
    }
    return html + "</li>";
  }

  function setup(form) {
    var input = form.querySelector("input[type=search]");
    var out = form.querySelector(".search-results");
    if (!input || !out) return;
    var onPage = form.getAttribute("data-search") === "page";
    var limit = onPage ? 20 : 6;
    var latest = 0;
    function show(html) {
      out.innerHTML = html;
      out.hidden = html === "";
    }
    function run() {
      var q = input.value.trim();
      var n = ++latest;
      if (onPage) {
        history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
      }
      if (!q) {
        show("");
        return;
      }
      pagefind().then(function (pf) {
        return pf.search(q);
      }).then(function (found) {
        // Typing on made this query stale: a newer one shows its own results.
        if (n !== latest || !found) return null;
        return Promise.all(found.results.slice(0, limit).map(function (r) { return r.data(); }));
      }).then(function (items) {
        if (n !== latest || !items) return;
        if (!items.length) {
          var none = form.getAttribute("data-no-results").replace("{q}", q);
          show('<p class="search-empty">' + escape(none) + "</p>");
          return;
        }
        show('<ol class="search-list">' + items.map(hit).join("") + "</ol>");
      }).catch(function (e) {
        if (window.console) console.error("search:", e);
      });
    }
    input.addEventListener("input", run);
    input.addEventListener("focus", function () {
      pagefind();
      if (!onPage && out.innerHTML) out.hidden = false;
    });
    if (onPage) {
      var q = new URLSearchParams(location.search).get("q");
      if (q) {
        input.value = q;
        run();
      }
    } else {
      input.addEventListener("keydown", function (e) {
        if (e.key === "Escape") out.hidden = true;
      });
      document.addEventListener("click", function (e) {
        if (!form.contains(e.target)) out.hidden = true;
      });
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-search]"), setup);
})();

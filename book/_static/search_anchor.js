// Sphinx 7.4's search page shows, under each result, text from the part of the page the result
// points at. It finds that part with the CSS selector `[role="main"] #<id>`, without escaping the
// id, so the dotted ids of the API page (ensemble_lib.averaging.average_weights) read as an id
// followed by class names: nothing matches, the summary falls back to the whole page, and the
// browser logs a warning for every such result. Escaping the id (CSS.escape) finds the entry.
// Sphinx looks up Search.htmlToText on every call, so replacing it here is enough.
(() => {
  const escapeAnchor = () => {
    if (typeof Search === "undefined" || Search.htmlToText.escapesAnchor) return;
    const htmlToText = Search.htmlToText;
    const escaping = (html, anchor) =>
      htmlToText(html, anchor && anchor.startsWith("#") ? "#" + CSS.escape(anchor.slice(1)) : anchor);
    escaping.escapesAnchor = true;
    Search.htmlToText = escaping;
  };
  escapeAnchor();
  document.addEventListener("DOMContentLoaded", escapeAnchor);
})();

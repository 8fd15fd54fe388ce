// Darvazeh's GraphiQL page (web/templates/graphiql.html). A static file, so the page's
// Content-Security-Policy needs no 'unsafe-inline' for scripts.
(function () {
  "use strict";
  const EXAMPLE_QUERY = `# Darvazeh: the national data standard over GraphQL.
# Put your access token and (for statutory clients) the case reference in the
# Headers pane below, then run (Ctrl-Enter).
query Citizen($id: String!) {
  citizen(nationalId: $id) {
    identity { firstName lastName gender provenance { agency status lastUpdated } }
    birth { date place father { nationalId } mother { nationalId } }
    address { province city }
  }
}
`;
  const EXAMPLE_HEADERS = JSON.stringify(
    { Authorization: "Bearer <access token>", "Darvazeh-Case-Reference": "<case>" },
    null,
    2,
  );
  // The token the developer page (/developers) keeps in this tab's sessionStorage, sent with every
  // request unless the Headers pane names its own (its placeholders do not count).
  const TOKEN_KEY = "darvazeh.developer-token";
  function keptHeaders() {
    let kept = null;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(TOKEN_KEY) || "null");
    } catch (error) {
      kept = null;
    }
    const headers = {};
    if (kept && kept.token) headers.Authorization = "Bearer " + kept.token;
    if (kept && kept.caseReference) headers["Darvazeh-Case-Reference"] = kept.caseReference;
    return headers;
  }
  function ownHeaders(headers) {
    const own = {};
    Object.keys(headers || {}).forEach(function (name) {
      const value = String(headers[name]);
      if (!/<access token>|<case>/.test(value)) own[name] = value;
    });
    return own;
  }
  const baseFetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
  const fetcher = function (params, options) {
    const headers = Object.assign(keptHeaders(), ownHeaders(options && options.headers));
    return baseFetcher(params, Object.assign({}, options, { headers: headers }));
  };
  // GraphiQL's editors (CodeMirror 5) take no options for these, so they are added here:
  // - each editor's text field is named (a screen reader otherwise hears "edit text");
  // - each editor's scrolling area is in the Tab order, so a keyboard scrolls it;
  // - Tab (Shift-Tab) leaves an editor instead of indenting, so a keyboard is never trapped in
  //   it (indent with spaces, or Prettify: Shift-Ctrl-P); with completions open, Tab picks one.
  function editorName(editor) {
    if (editor.closest(".graphiql-query-editor")) return "Query editor";
    if (editor.closest(".graphiql-response")) return "Response";
    const tool = editor.closest(".graphiql-editor-tool");
    if (tool) {
      const editors = Array.from(tool.querySelectorAll(".graphiql-editor"));
      const index = editors.findIndex(function (each) { return each.contains(editor); });
      return index === 0 ? "Variables editor" : "Headers editor";
    }
    return "Editor";
  }
  function nameEditors(root) {
    root.querySelectorAll(".CodeMirror").forEach(function (editor) {
      const name = editorName(editor);
      const field = editor.querySelector("textarea");
      if (field && !field.hasAttribute("aria-label")) field.setAttribute("aria-label", name);
      const scroll = editor.querySelector(".CodeMirror-scroll");
      if (scroll && scroll.getAttribute("tabindex") !== "0") { // CodeMirror gives it -1
        scroll.setAttribute("tabindex", "0");
        scroll.setAttribute("role", "region");
        scroll.setAttribute("aria-label", name + ", scrolling");
      }
    });
  }
  const container = document.getElementById("graphiql");
  new MutationObserver(function () { nameEditors(container); })
    .observe(container, { childList: true, subtree: true });
  document.addEventListener("keydown", function (event) {
    const field = event.target;
    const inEditor = field instanceof HTMLTextAreaElement && field.closest(".CodeMirror");
    const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
    if (event.key === "Tab" && plain && inEditor && !document.querySelector(".CodeMirror-hints")) {
      event.stopPropagation(); // CodeMirror never sees it: the browser moves the focus on
    }
  }, true);

  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  // GraphiQL keeps its tabs, and with them the headers (the access token), in this storage:
  // the tab's sessionStorage, gone when the tab closes, never the origin's localStorage.
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      storage: window.sessionStorage,
      defaultQuery: EXAMPLE_QUERY,
      defaultHeaders: EXAMPLE_HEADERS,
      defaultVariableEditorContent: '{ "id": "" }',
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
})();

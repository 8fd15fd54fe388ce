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

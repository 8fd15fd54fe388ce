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
  const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
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

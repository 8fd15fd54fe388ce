// The developer page's token helper (web/templates/developers.html): a token kept only in this
// tab's sessionStorage, which GraphiQL (graphiql-setup.js) sends with every request. Without
// JavaScript the page still explains how to put the token in GraphiQL's Headers pane.
(function () {
  "use strict";
  const KEY = "darvazeh.developer-token";
  const words = document.getElementById("dev-words").dataset;
  const status = document.getElementById("token-status");
  const paste = document.getElementById("paste-token-form");
  const demo = document.getElementById("demo-token-form");

  function kept() {
    try {
      return JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    } catch (error) {
      return null;
    }
  }
  function show() {
    status.textContent = kept() ? words.kept : words.forgotten;
  }
  function keep(token, caseReference) {
    window.sessionStorage.setItem(KEY, JSON.stringify({ token: token, caseReference: caseReference }));
    show();
  }

  paste.hidden = false;
  document.querySelectorAll(".no-script").forEach(function (element) {
    element.hidden = true;
  });
  paste.addEventListener("submit", function (event) {
    event.preventDefault();
    const token = document.getElementById("pasted-token").value.trim();
    const caseReference = document.getElementById("case-reference").value.trim();
    if (token) {
      keep(token, caseReference);
      document.getElementById("pasted-token").value = "";
    }
  });
  document.getElementById("forget-token").addEventListener("click", function () {
    window.sessionStorage.removeItem(KEY);
    show();
  });
  if (demo) {
    demo.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(demo.action, { method: "POST", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (issued) {
          keep(issued.access_token, issued.case_reference);
        })
        .catch(function () {
          status.textContent = words.failed;
        });
    });
  }
  show();
})();

// Starts GraphiQL on the page's endpoint. A file of its own, not an inline script, so the
// page's Content-Security-Policy can forbid inline scripts altogether.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = root.getAttribute("data-endpoint") || window.location.pathname;
  // Embedded mode puts a development operator's token here; elsewhere it is empty and the
  // headers editor starts blank (paste `{"Authorization": "Bearer <token>"}` there).
  var headers = root.getAttribute("data-headers") || "";
  if (headers) {
    headers = JSON.stringify(JSON.parse(headers), null, 2);
  }
  var defaultQuery = [
    "# Start with `ledger serve --demo` to have accounts alice, bob and carol.",
    "query History($id: ID!, $after: String) {",
    "  account(id: $id) {",
    "    id",
    "    balance",
    "    currency",
    "    transactions(first: 5, after: $after) {",
    "      edges {",
    "        cursor",
    "        node { direction amount balanceAfter memo createdAt counterpartyId }",
    "      }",
    "      pageInfo { hasNextPage endCursor }",
    "    }",
    "  }",
    "}",
    "",
    "mutation Pay {",
    '  transfer(input: {fromAccountId: "alice", toAccountId: "bob", amount: "12.50", memo: "lunch"}) {',
    "    transfer { id amount currency createdAt }",
    "    userErrors { code message field }",
    "  }",
    "}",
    "",
  ].join("\n");
  var fetcher = GraphiQL.createFetcher({
    url: endpoint,
    headers: { Accept: "application/graphql-response+json, application/json;q=0.9" },
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultVariables: '{\n  "id": "alice"\n}',
      defaultEditorToolsVisibility: headers ? "headers" : true,
      headers: headers || undefined,
      shouldPersistHeaders: false,
    })
  );
})();

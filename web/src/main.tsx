import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./auth/config";
import { developmentSignIn } from "./auth/development";
import { refresh } from "./auth/oidc";
import { SessionStore } from "./auth/session";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
const sessions = new SessionStore(sessionStorage);

loadConfig()
  .then((config) => {
    sessions.setRenewer((session) =>
      session.kind === "development"
        ? developmentSignIn(session.subject ?? "", session.operator)
        : refresh(config, session),
    );
    root.render(
      <StrictMode>
        <App config={config} sessions={sessions} />
      </StrictMode>,
    );
  })
  .catch(() => {
    document.getElementById("root")!.textContent = "Ledger could not start: its configuration did not load. Reload the page to try again.";
  });

import type { ReactNode } from "react";
import { useQuery } from "urql";
import { MeQuery } from "./api/operations";
import type { SessionStore } from "./auth/session";
import { Link, paths, type Route } from "./router";

/** Header, navigation and the main landmark around every signed-in screen. */
export function Shell({ route, sessions, children }: { route: Route; sessions: SessionStore; children: ReactNode }) {
  const [{ data }] = useQuery({ query: MeQuery, requestPolicy: "cache-first" });
  const me = data?.me;
  const current = (name: Route["name"]) => (route.name === name ? "page" : undefined);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link className="brand" href={paths.accounts()}>
          Ledger
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href={paths.accounts()} aria-current={current("accounts")}>
                My accounts
              </Link>
            </li>
            <li>
              <Link href={paths.send()} aria-current={current("send")}>
                Send money
              </Link>
            </li>
            {me?.isAdmin && (
              <li>
                <Link href={paths.operator()} aria-current={current("operator")}>
                  Operator
                </Link>
              </li>
            )}
          </ul>
        </nav>
        <div className="who">
          <span data-testid="subject">{me ? `${me.subject}${me.isAdmin ? " (operator)" : ""}` : ""}</span>
          <button type="button" className="button button--quiet" onClick={() => sessions.end(null)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="screen">
        {children}
      </main>
    </>
  );
}

import { useEffect, useMemo, useSyncExternalStore } from "react";
import { Provider } from "urql";
import { createApi } from "./api/client";
import { ApiContext } from "./api/context";
import type { AppConfig } from "./auth/config";
import type { Session, SessionStore } from "./auth/session";
import { PageHeading } from "./components/PageHeading";
import { AccountScreen } from "./screens/AccountScreen";
import { AccountsScreen } from "./screens/AccountsScreen";
import { CallbackScreen } from "./screens/CallbackScreen";
import { OperatorScreen } from "./screens/OperatorScreen";
import { SendMoneyScreen } from "./screens/SendMoneyScreen";
import { SignInScreen } from "./screens/SignInScreen";
import { Shell } from "./Shell";
import { Link, matchRoute, paths, type Route, useLocation } from "./router";

export function App({ config, sessions }: { config: AppConfig; sessions: SessionStore }) {
  const state = useSyncExternalStore(sessions.subscribe, sessions.get);
  const route = matchRoute(useLocation());
  if (route.name === "callback") return <CallbackScreen config={config} sessions={sessions} />;
  if ("signedOut" in state) return <SignInScreen config={config} sessions={sessions} reason={state.signedOut.reason} />;
  return <SignedIn key={identity(state.session)} route={route} sessions={sessions} />;
}

/** One API connection per signed-in identity; a renewed token keeps it, a new person does not. */
function identity(session: Session): string {
  return `${session.kind}:${session.subject ?? ""}:${session.operator}`;
}

function SignedIn({ route, sessions }: { route: Route; sessions: SessionStore }) {
  const api = useMemo(() => createApi(sessions), [sessions]);
  useEffect(() => () => api.dispose(), [api]);
  return (
    <ApiContext.Provider value={api}>
      <Provider value={api.http}>
        <Shell route={route} sessions={sessions}>
          <Screen route={route} />
        </Shell>
      </Provider>
    </ApiContext.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "accounts":
      return <AccountsScreen />;
    case "account":
      return <AccountScreen key={route.id} id={route.id} />;
    case "send":
      return <SendMoneyScreen from={route.from} />;
    case "operator":
      return <OperatorScreen />;
    default:
      return (
        <>
          <PageHeading>Page not found</PageHeading>
          <Link href={paths.accounts()}>Go to my accounts</Link>
        </>
      );
  }
}

import { useEffect, useRef, useState } from "react";
import type { AppConfig } from "../auth/config";
import { completeSignIn } from "../auth/oidc";
import type { SessionStore } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import { BASE, navigate } from "../router";

/** /app/callback: where the issuer sends the person back with a code. */
export function CallbackScreen({ config, sessions }: { config: AppConfig; sessions: SessionStore }) {
  const [error, setError] = useState<string | null>(null);
  const once = useRef(false);
  useEffect(() => {
    if (once.current) return; // a code is good for one exchange (StrictMode runs effects twice)
    once.current = true;
    completeSignIn(config, location.search)
      .then(({ session, returnTo }) => {
        sessions.start(session);
        navigate(returnTo.startsWith(BASE) && !returnTo.startsWith(`${BASE}callback`) ? returnTo : BASE, { replace: true });
      })
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : "Sign-in failed."));
  }, [config, sessions]);
  return (
    <main id="main">
      <PageHeading>Signing you in…</PageHeading>
      {error && (
        <>
          <p role="alert">{error}</p>
          <a href={BASE}>Try again</a>
        </>
      )}
    </main>
  );
}

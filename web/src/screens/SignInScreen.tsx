import { type FormEvent, useState } from "react";
import type { AppConfig } from "../auth/config";
import { developmentSignIn } from "../auth/development";
import { beginSignIn } from "../auth/oidc";
import type { SessionStore } from "../auth/session";
import { Field, FormErrorSummary } from "../components/Field";
import { PageHeading } from "../components/PageHeading";

const DEMO_SUBJECTS = ["alice", "bob", "carol"];

interface SignInProps {
  config: AppConfig;
  sessions: SessionStore;
  reason: string | null;
}

export function SignInScreen({ config, sessions, reason }: SignInProps) {
  return (
    <main id="main" className="sign-in">
      <PageHeading>Sign in to Ledger</PageHeading>
      {reason && (
        <p className="notice" role="alert">
          {reason}
        </p>
      )}
      {config.mode === "development" ? (
        <DevelopmentSignIn sessions={sessions} />
      ) : (
        <OidcSignIn config={config} />
      )}
    </main>
  );
}

function DevelopmentSignIn({ sessions }: { sessions: SessionStore }) {
  const [subject, setSubject] = useState("");
  const [operator, setOperator] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const signIn = async (who: string) => {
    if (!who.trim()) return setError("Type who you are, or pick one of the demo people.");
    setBusy(true);
    setError(null);
    try {
      sessions.start(await developmentSignIn(who.trim(), operator));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "Sign-in failed.");
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signIn(subject);
  };

  return (
    <form className="card form" onSubmit={submit} noValidate>
      <p className="sign-in__mode">
        Development sign-in: this service runs on its embedded database and issues test tokens to anyone.
      </p>
      <fieldset className="quick-pick">
        <legend>Demo account holders</legend>
        {DEMO_SUBJECTS.map((name) => (
          <button key={name} type="button" className="button button--quiet" disabled={busy} onClick={() => void signIn(name)}>
            Sign in as {name}
          </button>
        ))}
      </fieldset>
      <Field
        label="Subject"
        hint="Any name: the accounts you see are the ones this subject owns."
        name="subject"
        autoComplete="username"
        value={subject}
        onChange={(event) => setSubject(event.target.value)}
        error={error ?? undefined}
      />
      <div className="checkbox">
        <input id="operator" type="checkbox" checked={operator} onChange={(event) => setOperator(event.target.checked)} />
        <label htmlFor="operator">Operator (may create, fund and look up any account)</label>
      </div>
      <button type="submit" className="button" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}

function OidcSignIn({ config }: { config: AppConfig }) {
  const [error, setError] = useState<string[]>([]);
  const start = () => {
    beginSignIn(config, location.pathname + location.search).catch((failure: unknown) =>
      setError([failure instanceof Error ? failure.message : "Sign-in failed."]),
    );
  };
  return (
    <div className="card form">
      <FormErrorSummary messages={error} />
      <p>You will be sent to your organisation’s sign-in page and brought back here.</p>
      <button type="button" className="button" onClick={start}>
        Sign in
      </button>
    </div>
  );
}

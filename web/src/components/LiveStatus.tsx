import { useLinkState } from "../api/context";

const LABELS = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" } as const;

/** Whether balances on screen are live, announced politely to screen readers when it changes. */
export function LiveStatus() {
  const state = useLinkState();
  return (
    <p className={`live-status live-status--${state}`} role="status" data-testid="live-status" data-state={state}>
      <span className="live-status__dot" aria-hidden="true" />
      {LABELS[state]}
    </p>
  );
}

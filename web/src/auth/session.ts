/**
 * The signed-in session: an access token, when it expires, and how to get a new one. Kept in
 * sessionStorage (per tab, gone with the tab), never in localStorage. A timer renews the token
 * a minute before it expires: a fresh development token, or the OIDC refresh token when the
 * issuer gave one; otherwise the app asks the person to sign in again.
 */
import { Store } from "../lib/store";

export interface Session {
  kind: "development" | "oidc";
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  subject: string | null;
  operator: boolean;
  refreshToken?: string | null;
}

export interface SignedOut {
  /** Why the person must sign in (again); null on a first visit. */
  reason: string | null;
}

export type SessionState = { session: Session } | { signedOut: SignedOut };

const KEY = "ledger.session";
const RENEW_BEFORE_MS = 60_000;

export type Renewer = (session: Session) => Promise<Session | null>;

export class SessionStore extends Store<SessionState> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">,
    private renew: Renewer = async () => null,
    private readonly now: () => number = Date.now,
  ) {
    super({ signedOut: { reason: null } });
    const saved = readSaved(storage);
    if (saved && saved.expiresAt > now()) this.start(saved);
  }

  setRenewer(renew: Renewer): void {
    this.renew = renew;
    const state = this.get();
    if ("session" in state) this.schedule(state.session);
  }

  /** The token to send, or null when signed out. */
  token(): string | null {
    const state = this.get();
    return "session" in state ? state.session.token : null;
  }

  start(session: Session): void {
    this.storage.setItem(KEY, JSON.stringify(session));
    this.set({ session });
    this.schedule(session);
  }

  /** Sign out, saying why (the API refused the token, it expired, the person asked). */
  end(reason: string | null): void {
    clearTimeout(this.timer);
    this.storage.removeItem(KEY);
    const state = this.get();
    if ("signedOut" in state && state.signedOut.reason === reason) return;
    this.set({ signedOut: { reason } });
  }

  private schedule(session: Session): void {
    clearTimeout(this.timer);
    const delay = Math.max(0, session.expiresAt - RENEW_BEFORE_MS - this.now());
    // setTimeout's limit is 2^31-1 ms (~24.8 days); a longer wait is re-planned when it fires.
    this.timer = setTimeout(() => void this.renewNow(session), Math.min(delay, 2 ** 31 - 1));
  }

  private async renewNow(session: Session): Promise<void> {
    if (session.expiresAt - RENEW_BEFORE_MS > this.now()) return this.schedule(session);
    let renewed: Session | null = null;
    try {
      renewed = await this.renew(session);
    } catch {
      renewed = null;
    }
    const current = this.get();
    if (!("session" in current) || current.session.token !== session.token) return;
    if (renewed) this.start(renewed);
    else this.end("Your session expired. Sign in again to continue.");
  }
}

function readSaved(storage: Pick<Storage, "getItem">): Session | null {
  try {
    const raw = storage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

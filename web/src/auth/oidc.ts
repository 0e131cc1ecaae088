/** OIDC authorization code flow with PKCE against the configured issuer. */
import { authorizeUrl, codeChallenge, randomToken, readCallback } from "../lib/pkce";
import type { AppConfig } from "./config";
import type { Session } from "./session";

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
}

const PENDING = "ledger.oidc.pending";
let discovery: Promise<Discovery> | null = null;

function discover(issuer: string): Promise<Discovery> {
  discovery ??= fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`).then(async (response) => {
    if (!response.ok) throw new Error(`The sign-in provider did not answer (HTTP ${response.status}).`);
    return (await response.json()) as Discovery;
  });
  return discovery;
}

export function redirectUri(): string {
  return `${location.origin}${import.meta.env.BASE_URL}callback`;
}

/** Leave for the issuer's sign-in page; `returnTo` is where the callback brings the person back. */
export async function beginSignIn(config: AppConfig, returnTo: string): Promise<void> {
  if (!config.issuer || !config.clientId) throw new Error("No sign-in provider is configured.");
  const endpoints = await discover(config.issuer);
  const verifier = randomToken();
  const state = randomToken(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  location.assign(
    authorizeUrl({
      authorizationEndpoint: endpoints.authorization_endpoint,
      clientId: config.clientId,
      redirectUri: redirectUri(),
      scope: config.scope,
      state,
      challenge: await codeChallenge(verifier),
      audience: config.audience,
    }),
  );
}

/** On /app/callback: trade the code for tokens. Returns the session and where to go next. */
export async function completeSignIn(config: AppConfig, search: string): Promise<{ session: Session; returnTo: string }> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as
    | { verifier: string; state: string; returnTo: string }
    | null;
  sessionStorage.removeItem(PENDING);
  const callback = readCallback(search, pending?.state ?? null);
  if (!callback.ok || !pending) throw new Error(callback.ok ? "No sign-in was started in this tab." : callback.error);
  const tokens = await requestTokens(config, {
    grant_type: "authorization_code",
    code: callback.code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  return { session: toSession(tokens), returnTo: pending.returnTo };
}

/** A new access token from the refresh token, or null when there is none. */
export async function refresh(config: AppConfig, session: Session): Promise<Session | null> {
  if (!session.refreshToken) return null;
  const tokens = await requestTokens(config, { grant_type: "refresh_token", refresh_token: session.refreshToken });
  return toSession({ ...tokens, refresh_token: tokens.refresh_token ?? session.refreshToken });
}

async function requestTokens(config: AppConfig, fields: Record<string, string>): Promise<TokenResponse> {
  const endpoints = await discover(config.issuer ?? "");
  const response = await fetch(endpoints.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, client_id: config.clientId ?? "" }),
  });
  if (!response.ok) throw new Error(`The sign-in provider refused the request (HTTP ${response.status}).`);
  return (await response.json()) as TokenResponse;
}

function toSession(tokens: TokenResponse): Session {
  return {
    kind: "oidc",
    token: tokens.access_token,
    // Without expires_in, assume a short life: the API's 401 / 4403 will tell us sooner anyway.
    expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
    subject: null, // from Query.me
    operator: false, // from Query.me
    refreshToken: tokens.refresh_token ?? null,
  };
}

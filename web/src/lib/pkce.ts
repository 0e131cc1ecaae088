/**
 * PKCE (RFC 7636, S256) and the authorization request of the OIDC code flow, with WebCrypto.
 * Hand-written rather than a library: the whole flow is a discovery fetch, one redirect and
 * one token POST; the SPA never reads the ID token (the API verifies the access token), so
 * there is no JOSE code to get wrong here.
 */

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 32 random bytes as base64url: 43 characters, inside RFC 7636's 43-128 unreserved range. */
export function randomToken(byteLength = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export interface AuthorizeRequest {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  challenge: string;
  audience?: string | null;
}

export function authorizeUrl(request: AuthorizeRequest): string {
  const url = new URL(request.authorizationEndpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("scope", request.scope);
  url.searchParams.set("state", request.state);
  url.searchParams.set("code_challenge", request.challenge);
  url.searchParams.set("code_challenge_method", "S256");
  if (request.audience) url.searchParams.set("audience", request.audience);
  return url.toString();
}

export type CallbackResult = { ok: true; code: string } | { ok: false; error: string };

/** The redirect's query: the code when `state` matches the one we sent, an error otherwise. */
export function readCallback(search: string, expectedState: string | null): CallbackResult {
  const params = new URLSearchParams(search);
  const error = params.get("error");
  if (error) return { ok: false, error: params.get("error_description") ?? error };
  if (!expectedState || params.get("state") !== expectedState) {
    return { ok: false, error: "The sign-in response does not match this browser's request." };
  }
  const code = params.get("code");
  return code ? { ok: true, code } : { ok: false, error: "The sign-in response has no code." };
}


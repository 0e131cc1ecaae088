import { describe, expect, it } from "vitest";
import { authorizeUrl, base64url, codeChallenge, randomToken, readCallback } from "./pkce";

describe("PKCE", () => {
  it("computes the S256 challenge of RFC 7636's example", async () => {
    expect(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes verifiers of 43 unreserved characters", () => {
    const verifier = randomToken();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(verifier);
    expect(base64url(new Uint8Array([251, 255]))).toBe("-_8");
  });

  it("builds the authorization request", () => {
    const url = new URL(
      authorizeUrl({
        authorizationEndpoint: "https://id.example.com/authorize?tenant=x",
        clientId: "ledger-web",
        redirectUri: "https://ledger.example.com/app/callback",
        scope: "openid profile",
        state: "s1",
        challenge: "c1",
        audience: "ledger-api",
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: "x",
      response_type: "code",
      client_id: "ledger-web",
      redirect_uri: "https://ledger.example.com/app/callback",
      scope: "openid profile",
      state: "s1",
      code_challenge: "c1",
      code_challenge_method: "S256",
      audience: "ledger-api",
    });
  });

  it("accepts the callback only with our state", () => {
    expect(readCallback("?code=abc&state=s1", "s1")).toEqual({ ok: true, code: "abc" });
    expect(readCallback("?code=abc&state=evil", "s1").ok).toBe(false);
    expect(readCallback("?code=abc&state=s1", null).ok).toBe(false);
    expect(readCallback("?error=access_denied&error_description=No", "s1")).toEqual({ ok: false, error: "No" });
  });
});

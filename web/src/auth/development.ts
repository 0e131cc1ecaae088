/** Development sign-in (embedded mode only): POST /auth/dev-token mints a token for anyone. */
import type { Session } from "./session";

export async function developmentSignIn(subject: string, operator: boolean): Promise<Session> {
  const response = await fetch("/auth/dev-token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ subject, operator }),
  });
  if (!response.ok) {
    throw new Error(
      response.status === 404
        ? "Development sign-in is off: this service is not in embedded mode."
        : `Sign-in failed (HTTP ${response.status}).`,
    );
  }
  const body = (await response.json()) as { token: string; expiresAt: string };
  return {
    kind: "development",
    token: body.token,
    expiresAt: Date.parse(body.expiresAt),
    subject,
    operator,
  };
}

/** GET /app/config.json: how this deployment signs people in. */

export interface AppConfig {
  mode: "development" | "oidc";
  issuer: string | null;
  clientId: string | null;
  audience: string | null;
  scope: string;
}

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as AppConfig;
}

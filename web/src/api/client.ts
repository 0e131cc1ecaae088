/**
 * The two connections to the API, both carrying the session's token: urql over HTTP
 * (`Authorization: Bearer …`) for queries and mutations, and a graphql-ws client on the same
 * /graphql for subscriptions (the token in `connectionParams`). A 401 or an UNAUTHENTICATED
 * error over HTTP, or close code 4403 on the socket, ends the session: the app asks the person
 * to sign in again instead of retrying with a token the API has refused.
 */
import { cacheExchange, Client, fetchExchange, mapExchange } from "urql";
import { createClient, type Client as WsClient } from "graphql-ws";
import type { SessionStore } from "../auth/session";
import { Store } from "../lib/store";

export type LinkState = "connecting" | "live" | "reconnecting";

export interface Api {
  http: Client;
  ws: WsClient;
  /** The websocket's state, for the "live / reconnecting" indicator. */
  link: Store<LinkState>;
  dispose(): void;
}

const REFUSED = "The service did not accept your sign-in. Sign in again to continue.";
const FORBIDDEN_CLOSE = 4403;

export function createApi(session: SessionStore): Api {
  const http = new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    // POST always: the token travels in a header either way, but query strings end up in logs.
    preferGetMethod: false,
    fetchOptions: (): RequestInit => {
      const token = session.token();
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      return { headers };
    },
    exchanges: [
      mapExchange({
        onError(error) {
          const unauthenticated =
            error.response?.status === 401 ||
            error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
          if (unauthenticated) session.end(REFUSED);
        },
      }),
      cacheExchange,
      fetchExchange,
    ],
  });

  const link = new Store<LinkState>("connecting");
  let everConnected = false;
  // The token the current socket was opened with: the API closes it with 4403 when that token
  // expires, even after the session renewed it, and only a refusal of the current one is final.
  let presented: string | null = null;
  const refused = (event: unknown) =>
    isCloseEvent(event) && event.code === FORBIDDEN_CLOSE && presented === session.token();
  const ws = createClient({
    url: () => `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`,
    // Read at every (re)connection, so a renewed token is what a reconnect presents.
    connectionParams: () => {
      presented = session.token();
      return { Authorization: `Bearer ${presented ?? ""}` };
    },
    lazy: true,
    keepAlive: 20_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: backoff,
    // Retry drops and restarts forever; never a refusal of the token we still hold.
    shouldRetry: (event) => !refused(event),
    on: {
      connecting: () => link.set(everConnected ? "reconnecting" : "connecting"),
      connected: () => {
        everConnected = true;
        link.set("live");
      },
      closed: (event) => {
        if (refused(event)) session.end(REFUSED);
        else if (everConnected) link.set("reconnecting");
      },
    },
  });

  // A renewed token: reopen the socket with it now (subscriptions resume by version), rather
  // than wait for the API to close the old one when it expires.
  const offSession = session.subscribe(() => {
    const token = session.token();
    if (token && presented && token !== presented) ws.terminate();
  });

  return {
    http,
    ws,
    link,
    dispose: () => {
      offSession();
      void ws.dispose();
    },
  };
}

/** 0.5 s, 1 s, 2 s, ... capped at 8 s, with jitter so a restarted server is not stampeded. */
export async function backoff(retries: number): Promise<void> {
  const ceiling = Math.min(8_000, 500 * 2 ** retries);
  await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

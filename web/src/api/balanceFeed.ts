/**
 * An account's balance changes, live, resuming after any drop with no gap and no duplicate.
 *
 * graphql-ws re-sends a subscription's payload each time it reconnects. The payload's
 * `variables` here is a getter, so every (re)subscription asks for `afterVersion` = the last
 * version applied: the server replays what was missed, then goes on live. The VersionTracker
 * drops anything already applied (a replay racing a live event) and detects a gap.
 * (urql's subscriptionExchange fixes the variables when it subscribes, hence graphql-ws here.)
 */
import { print } from "graphql";
import type { Client as WsClient, FormattedExecutionResult } from "graphql-ws";
import { BalanceChangedSubscription } from "./operations";
import type { BalanceChangedSubscription as BalanceChangedResult } from "../gql/graphql";
import { VersionTracker } from "../lib/live";

export type BalanceChange = BalanceChangedResult["balanceChanged"];

export interface FeedHandlers {
  onChange(change: BalanceChange): void;
  /** Reconnected before any change was seen: there is no version to resume from, refetch. */
  onResync(): void;
  /** The server refused the subscription (an unknown or someone else's account). */
  onRefused(message: string): void;
}

const QUERY = print(BalanceChangedSubscription);

export function followBalance(ws: WsClient, accountId: string, handlers: FeedHandlers): () => void {
  const tracker = new VersionTracker();
  let dispose: (() => void) | null = null;
  let stopped = false;

  const start = () => {
    dispose?.();
    const payload = {
      query: QUERY,
      get variables() {
        return { accountId, afterVersion: tracker.resumeFrom };
      },
    };
    dispose = ws.subscribe<BalanceChangedResult>(payload, {
      next(result: FormattedExecutionResult<BalanceChangedResult>) {
        if (result.errors?.length) return handleErrors(result.errors);
        const change = result.data?.balanceChanged;
        if (!change) return;
        const verdict = tracker.accept(change.version);
        if (verdict === "apply") handlers.onChange(change);
        else if (verdict === "gap") queueMicrotask(start);
      },
      error(error: unknown) {
        if (Array.isArray(error)) handleErrors(error);
        // A close event the client gave up on (4403) ends the session in api/client.ts.
      },
      complete() {},
    });
  };

  const handleErrors = (errors: readonly { message: string; extensions?: Record<string, unknown> }[]) => {
    if (stopped) return;
    if (errors.some((error) => error.extensions?.code === "SUBSCRIPTION_CLOSED")) {
      setTimeout(() => !stopped && start(), 250); // the server shed us; resume where we were
    } else {
      handlers.onRefused(errors[0]?.message ?? "The live balance is not available.");
    }
  };

  const offConnected = ws.on("connected", (_socket, _payload, wasRetry) => {
    if (wasRetry && tracker.resumeFrom === null) handlers.onResync();
  });
  start();
  return () => {
    stopped = true;
    offConnected();
    dispose?.();
  };
}

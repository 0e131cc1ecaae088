import { describe, expect, it } from "vitest";
import type { Client as WsClient } from "graphql-ws";
import { followBalance, type BalanceChange } from "./balanceFeed";

type Sink = { next(value: unknown): void; error(error: unknown): void; complete(): void };

/** What graphql-ws does that matters here: it re-sends the same payload on each reconnect. */
function fakeClient() {
  const sent: string[] = [];
  let sink: Sink | null = null;
  let payload: unknown = null;
  const listeners: Record<string, ((...args: unknown[]) => void)[]> = {};
  const client = {
    subscribe(p: unknown, s: Sink) {
      payload = p;
      sink = s;
      sent.push(JSON.stringify(p));
      return () => {
        sink = null;
      };
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      (listeners[event] ??= []).push(listener);
      return () => undefined;
    },
  } as unknown as WsClient;
  return {
    client,
    sent,
    push: (version: number) => sink?.next({ data: { balanceChanged: change(version) } }),
    reconnect() {
      sent.push(JSON.stringify(payload));
      for (const listener of listeners.connected ?? []) listener(null, null, true);
    },
  };
}

function change(version: number): BalanceChange {
  return {
    accountId: "alice",
    balance: `${version}.00`,
    delta: "1.00",
    version,
    at: "2026-11-30T00:00:00Z",
    entry: {
      id: `e${version}`,
      direction: "CREDIT",
      amount: "1.00",
      balanceAfter: `${version}.00`,
      currency: "USD",
      memo: null,
      counterpartyId: "bob",
      createdAt: "2026-11-30T00:00:00Z",
    },
  } as BalanceChange;
}

describe("followBalance", () => {
  it("resubscribes after a drop from the last version it applied, and applies each once", () => {
    const fake = fakeClient();
    const applied: number[] = [];
    let resyncs = 0;
    followBalance(fake.client, "alice", {
      onChange: (c) => applied.push(c.version),
      onResync: () => resyncs++,
      onRefused: () => undefined,
    });
    expect(JSON.parse(fake.sent[0]).variables).toEqual({ accountId: "alice", afterVersion: null });
    fake.push(7);
    fake.push(8);
    fake.reconnect();
    expect(JSON.parse(fake.sent[1]).variables).toEqual({ accountId: "alice", afterVersion: 8 });
    fake.push(8); // replayed by the server as it raced the drop
    fake.push(9);
    expect(applied).toEqual([7, 8, 9]);
    expect(resyncs).toBe(0);
  });

  it("refetches after a reconnect when no version was seen yet", () => {
    const fake = fakeClient();
    let resyncs = 0;
    followBalance(fake.client, "alice", { onChange: () => undefined, onResync: () => resyncs++, onRefused: () => undefined });
    fake.reconnect();
    expect(resyncs).toBe(1);
  });
});

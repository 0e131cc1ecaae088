import { afterEach, describe, expect, it, vi } from "vitest";
import { type Session, SessionStore } from "./session";

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

const session = (token: string, expiresAt: number): Session => ({
  kind: "development",
  token,
  expiresAt,
  subject: "alice",
  operator: false,
});

describe("SessionStore", () => {
  afterEach(() => vi.useRealTimers());

  it("renews the token a minute before it expires", async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new SessionStore(memoryStorage(), async () => session("t2", 600_000));
    store.start(session("t1", 300_000));
    await vi.advanceTimersByTimeAsync(239_000);
    expect(store.token()).toBe("t1");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.token()).toBe("t2");
  });

  it("asks to sign in again when the token cannot be renewed", async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new SessionStore(memoryStorage(), async () => null);
    store.start(session("t1", 120_000));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.get()).toEqual({ signedOut: { reason: expect.stringMatching(/sign in again/i) } });
  });

  it("restores the tab's session, unless it has expired", () => {
    const storage = memoryStorage();
    new SessionStore(storage, undefined, () => 0).start(session("t1", 1_000));
    expect(new SessionStore(storage, undefined, () => 500).token()).toBe("t1");
    expect(new SessionStore(storage, undefined, () => 2_000).token()).toBeNull();
  });
});

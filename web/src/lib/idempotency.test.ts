import { describe, expect, it } from "vitest";
import { newKey, SubmissionKeys } from "./idempotency";

describe("SubmissionKeys", () => {
  const counter = () => {
    let n = 0;
    return () => `key-${++n}`;
  };

  it("reuses the key for a double click or a retry of the same submission", () => {
    const keys = new SubmissionKeys(counter());
    const values = { from: "alice", to: "bob", amount: "12.50" };
    expect(keys.keyFor(values)).toBe("key-1");
    expect(keys.keyFor({ amount: "12.50", to: "bob", from: "alice" })).toBe("key-1");
  });

  it("mints a new key when the values change or the last submission settled", () => {
    const keys = new SubmissionKeys(counter());
    expect(keys.keyFor({ amount: "12.50" })).toBe("key-1");
    expect(keys.keyFor({ amount: "12.51" })).toBe("key-2");
    keys.settle();
    expect(keys.keyFor({ amount: "12.51" })).toBe("key-3");
  });

  it("uses UUIDs", () => {
    expect(newKey()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newKey()).not.toBe(newKey());
  });
});

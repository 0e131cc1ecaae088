import { describe, expect, it } from "vitest";
import { balanceBefore, isContinuous, mergeHistory, signedAmount } from "./history";

const entry = (id: string, direction: "CREDIT" | "DEBIT", amount: string, balanceAfter: string) => ({
  id,
  direction,
  amount,
  balanceAfter,
});

describe("running balance", () => {
  const newestFirst = [
    entry("e4", "DEBIT", "0.10", "100.20"),
    entry("e3", "CREDIT", "0.20", "100.30"),
    entry("e2", "DEBIT", "25.50", "100.10"),
    entry("e1", "CREDIT", "125.60", "125.60"),
  ];

  it("derives the balance before each entry exactly", () => {
    expect(balanceBefore(newestFirst[0])).toBe("100.30");
    expect(balanceBefore(newestFirst[3])).toBe("0.00");
    expect(signedAmount(newestFirst[2])).toBe("-25.50");
  });

  it("detects a hole in the running balance", () => {
    expect(isContinuous(newestFirst)).toBe(true);
    expect(isContinuous([newestFirst[0], newestFirst[2]])).toBe(false);
  });
});

describe("mergeHistory", () => {
  it("puts live entries first and shows each entry once", () => {
    const pages = [{ id: "b" }, { id: "a" }];
    const live = [{ id: "c" }, { id: "b" }];
    expect(mergeHistory(live, pages).map((e) => e.id)).toEqual(["c", "b", "a"]);
  });
});

import { describe, expect, it } from "vitest";
import { errorsByField } from "./userErrors";

describe("errorsByField", () => {
  it("puts each error at the field its path names", () => {
    const errors = errorsByField(
      [
        { code: "INSUFFICIENT_FUNDS", message: "Not enough money", field: ["input", "amount"] },
        { code: "ACCOUNT_NOT_FOUND", message: "No such account", field: ["input", "toAccountId"] },
        { code: "IDEMPOTENCY_CONFLICT", message: "Key reused", field: ["input"] },
        { code: "RATE_LIMITED", message: "Slow down", field: null },
      ],
      ["fromAccountId", "toAccountId", "amount", "memo"],
    );
    expect(errors.fields).toEqual({ amount: "Not enough money", toAccountId: "No such account" });
    expect(errors.form).toEqual(["Key reused", "Slow down"]);
  });
});

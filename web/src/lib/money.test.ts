import { describe, expect, it } from "vitest";
import { currencyDigits, formatMoney } from "./money";

describe("formatMoney", () => {
  it("formats the exact string, never a float", () => {
    expect(formatMoney("0.30", "USD", { locale: "en-US" })).toBe("$0.30");
    // As a float this would print 10,000,000,000,000,000.00 after rounding to 1e16.
    expect(formatMoney("9999999999999999.99", "USD", { locale: "en-US" })).toBe("$9,999,999,999,999,999.99");
    expect(formatMoney("999999999999.99", "USD", { locale: "en-US" })).toBe("$999,999,999,999.99");
  });

  it("uses the currency's minor units and the locale's conventions", () => {
    expect(formatMoney("100000", "JPY", { locale: "en-US" })).toBe("¥100,000");
    expect(formatMoney("1234.5", "EUR", { locale: "de-DE" })).toBe("1.234,50\u00a0€");
    expect(formatMoney("1.234", "KWD", { locale: "en-US" })).toMatch(/1\.234/);
  });

  it("signs credits and debits when asked", () => {
    expect(formatMoney("12.50", "USD", { locale: "en-US", signed: true })).toBe("+$12.50");
    expect(formatMoney("-12.50", "USD", { locale: "en-US", signed: true })).toBe("-$12.50");
    expect(formatMoney("0.00", "USD", { locale: "en-US", signed: true })).toBe("$0.00");
  });

  it("refuses what is not an exact decimal string", () => {
    expect(() => formatMoney("1e3", "USD")).toThrow();
    expect(() => formatMoney("NaN", "USD")).toThrow();
    expect(() => formatMoney("", "USD")).toThrow();
  });

  it("knows the currencies' decimal places", () => {
    expect(currencyDigits("USD")).toBe(2);
    expect(currencyDigits("JPY")).toBe(0);
    expect(currencyDigits("KWD")).toBe(3);
  });
});

import { describe, expect, it } from "vitest";
import { compareDecimals, formatUnits, isPositive, parseDecimal, subtractDecimals, toCommonScale } from "./decimal";

describe("exact decimals", () => {
  it("parses to scaled integers", () => {
    expect(parseDecimal("125.50")).toEqual({ units: 12550n, scale: 2 });
    expect(parseDecimal("-0.005")).toEqual({ units: -5n, scale: 3 });
    expect(() => parseDecimal("1.2.3")).toThrow();
    expect(() => parseDecimal("1e2")).toThrow();
  });

  it("compares and subtracts without floats", () => {
    expect(compareDecimals("0.1", "0.10")).toBe(0);
    expect(compareDecimals("10.01", "10.1")).toBe(-1);
    expect(subtractDecimals("0.3", "0.1")).toBe("0.2");
    expect(subtractDecimals("100.00", "125.5")).toBe("-25.50");
    expect(subtractDecimals("99999999999999999999.99", "0.01")).toBe("99999999999999999999.98");
  });

  it("puts values on one scale", () => {
    expect(toCommonScale(["1", "2.5", "0.125"])).toEqual({ units: [1000n, 2500n, 125n], scale: 3 });
  });

  it("prints scaled integers back", () => {
    expect(formatUnits(-1250n, 2)).toBe("-12.50");
    expect(formatUnits(5n, 3)).toBe("0.005");
    expect(formatUnits(42n, 0)).toBe("42");
  });

  it("tells positive amounts", () => {
    expect(isPositive("0.01")).toBe(true);
    expect(isPositive("0.00")).toBe(false);
    expect(isPositive("-1")).toBe(false);
  });
});

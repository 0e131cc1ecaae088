import { describe, expect, it } from "vitest";
import { chartGeometry, svgPath } from "./chart";

describe("chartGeometry", () => {
  it("scales exact balances into the box, lowest at the bottom", () => {
    const { points, lowest, highest } = chartGeometry(["10.00", "20.00", "15.00"], 100, 50);
    expect(points).toEqual([
      { x: 0, y: 50 },
      { x: 50, y: 0 },
      { x: 100, y: 25 },
    ]);
    expect([lowest, highest]).toEqual([0, 1]);
    expect(svgPath(points)).toBe("M0 50 L50 0 L100 25");
  });

  it("tells apart balances a float would merge", () => {
    const { points } = chartGeometry(["90071992547409.91", "90071992547409.92"], 10, 10);
    expect(points[0].y).not.toBe(points[1].y);
  });

  it("draws a flat line in the middle when nothing changes", () => {
    expect(chartGeometry(["5", "5.0"], 10, 10).points.map((p) => p.y)).toEqual([5, 5]);
  });
});

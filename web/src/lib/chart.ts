/**
 * Balance-over-time geometry from `balanceAfter` strings. Scaling happens on BigInt units of
 * one common scale; only the final pixel position becomes a JavaScript number.
 */
import { toCommonScale } from "./decimal";

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartGeometry {
  points: ChartPoint[];
  /** Index into the input of the lowest and highest balance (for the axis labels). */
  lowest: number;
  highest: number;
}

/** Points oldest to newest, evenly spaced in x, y = 0 at the top of `height`. */
export function chartGeometry(balancesOldestFirst: readonly string[], width: number, height: number): ChartGeometry {
  if (balancesOldestFirst.length === 0) return { points: [], lowest: -1, highest: -1 };
  const { units } = toCommonScale(balancesOldestFirst);
  let lowest = 0;
  let highest = 0;
  units.forEach((value, index) => {
    if (value < units[lowest]) lowest = index;
    if (value > units[highest]) highest = index;
  });
  const min = units[lowest];
  const range = units[highest] - min;
  const resolution = 10_000n; // pixel fraction precision, independent of the money's magnitude
  const step = units.length > 1 ? width / (units.length - 1) : 0;
  const points = units.map((value, index) => {
    const fraction = range === 0n ? 5_000n : ((value - min) * resolution) / range;
    return {
      x: round(index * step),
      y: round(height - (Number(fraction) / Number(resolution)) * height),
    };
  });
  return { points, lowest, highest };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function svgPath(points: readonly ChartPoint[]): string {
  return points.map((point, index) => `${index === 0 ? "M" : "L"}${point.x} ${point.y}`).join(" ");
}

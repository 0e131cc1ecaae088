import { chartGeometry, svgPath } from "../lib/chart";
import { formatMoney } from "../lib/money";

const WIDTH = 600;
const HEIGHT = 160;

/** Balance over time from each entry's exact `balanceAfter`, oldest on the left. */
export function BalanceChart({ balances, currency }: { balances: readonly string[]; currency: string }) {
  if (balances.length < 2) return null;
  const { points, lowest, highest } = chartGeometry(balances, WIDTH, HEIGHT);
  const low = formatMoney(balances[lowest], currency);
  const high = formatMoney(balances[highest], currency);
  const summary = `Balance over the last ${balances.length} changes, from ${formatMoney(balances[0], currency)} to ${formatMoney(balances[balances.length - 1], currency)}; lowest ${low}, highest ${high}.`;
  return (
    <figure className="chart">
      <svg viewBox={`-4 -8 ${WIDTH + 8} ${HEIGHT + 16}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <path className="chart__line" d={svgPath(points)} vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="chart__caption">
        <span>Low {low}</span>
        <span>High {high}</span>
      </figcaption>
    </figure>
  );
}

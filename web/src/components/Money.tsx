import { formatMoney } from "../lib/money";

/** An exact amount in its currency; `signed` shows + for credits. */
export function Money({ amount, currency, signed = false, testId }: { amount: string; currency: string; signed?: boolean; testId?: string }) {
  return (
    <span className="money" data-amount={amount} data-testid={testId}>
      {formatMoney(amount, currency, { signed })}
    </span>
  );
}

import { formatMoney } from "../lib/money";

/** An exact amount in its currency; `signed` shows + for credits. */
export function Money({ amount, currency, signed = false }: { amount: string; currency: string; signed?: boolean }) {
  return (
    <span className="money" data-amount={amount}>
      {formatMoney(amount, currency, { signed })}
    </span>
  );
}

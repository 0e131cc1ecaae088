/**
 * Money for people: Intl.NumberFormat with the account's currency, fed the API's exact
 * decimal string. `format(string)` (ECMA-402 NumberFormat v3) keeps every digit, so
 * "0.30" is never 0.30000000000000004 and "999999999999.99" is never rounded.
 */
import { isDecimal } from "./decimal";

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string | undefined, signed: boolean): Intl.NumberFormat {
  const key = `${locale ?? ""}|${currency}|${signed}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      signDisplay: signed ? "exceptZero" : "auto",
    });
    formatters.set(key, found);
  }
  return found;
}

/** The currency's minor-unit digits (USD 2, JPY 0, KWD 3), as the browser's ICU knows them. */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
}

export function formatMoney(
  amount: string,
  currency: string,
  { locale, signed = false }: { locale?: string; signed?: boolean } = {},
): string {
  if (!isDecimal(amount)) throw new Error(`not an exact amount: ${JSON.stringify(amount)}`);
  // The string overload is exact; TypeScript's lib types still say number | bigint.
  return formatter(currency, locale, signed).format(amount as unknown as number);
}

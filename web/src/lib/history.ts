/** The account's history as the screens show it: newest first, each entry once. */
import { compareDecimals, subtractDecimals } from "./decimal";

export interface HistoryEntry {
  id: string;
  /** HOLD and RELEASE reserve and give back funds (a hold): the balance does not move. */
  direction: "CREDIT" | "DEBIT" | "HOLD" | "RELEASE";
  amount: string;
  balanceAfter: string;
  currency: string;
  memo?: string | null;
  counterpartyId?: string | null;
  createdAt: string;
}

/**
 * Merge live entries (newest first) in front of the loaded pages, dropping any entry already
 * shown: a live event can race the page that also contains it.
 */
export function mergeHistory<T extends { id: string }>(live: readonly T[], pages: readonly T[]): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const entry of [...live, ...pages]) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    merged.push(entry);
  }
  return merged;
}

/** Signed amount of an entry as an exact string: "-12.50" for a debit, "0" for a hold's. */
export function signedAmount(entry: Pick<HistoryEntry, "direction" | "amount">): string {
  if (entry.direction === "HOLD" || entry.direction === "RELEASE") return "0";
  return entry.direction === "DEBIT" ? `-${entry.amount}` : entry.amount;
}

/** The balance just before `entry`: its balanceAfter minus its signed amount, exactly. */
export function balanceBefore(entry: Pick<HistoryEntry, "direction" | "amount" | "balanceAfter">): string {
  return subtractDecimals(entry.balanceAfter, signedAmount(entry));
}

/**
 * True when each entry's balance before equals the next older entry's balance after: the
 * running balance has no hole (a page was not skipped, a live entry was not lost).
 */
export function isContinuous(newestFirst: readonly Pick<HistoryEntry, "direction" | "amount" | "balanceAfter">[]): boolean {
  for (let i = 0; i + 1 < newestFirst.length; i++) {
    if (compareDecimals(balanceBefore(newestFirst[i]), newestFirst[i + 1].balanceAfter) !== 0) return false;
  }
  return true;
}

import { useEffect, useRef } from "react";
import type { EntryFieldsFragment } from "../gql/graphql";
import { signedAmount } from "../lib/history";
import { Money } from "./Money";

interface HistoryListProps {
  entries: readonly EntryFieldsFragment[];
  hasNextPage: boolean;
  loading: boolean;
  error: string | null;
  onLoadMore(): void;
}

/** What an entry without a memo was, and how a screen reader announces its amount. */
const WHAT = { DEBIT: "Transfer", CREDIT: "Transfer", HOLD: "Hold", RELEASE: "Hold released" };
const KIND_LABELS = { DEBIT: "Debit", CREDIT: "Credit", HOLD: "Hold", RELEASE: "Released" };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * Newest first, with the running balance after each entry. Reaching the end of the list loads
 * the next page (IntersectionObserver); the button does the same for keyboards and screen readers.
 */
export function HistoryList({ entries, hasNextPage, loading, error, onLoadMore }: HistoryListProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const load = useRef(onLoadMore);
  load.current = onLoadMore;

  useEffect(() => {
    const target = sentinel.current;
    if (!target || !hasNextPage) return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((entry) => entry.isIntersecting)) load.current();
    }, { rootMargin: "200px" });
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasNextPage, entries.length]);

  return (
    <section className="history" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {entries.length === 0 && !loading && !error && <p>No entries yet.</p>}
      <ol className="history__list" data-testid="history">
        {entries.map((entry) => (
          <li key={entry.id} className="history__row" data-entry-id={entry.id}>
            <div className="history__what">
              <span className="history__memo">{entry.memo || (entry.counterpartyId ? WHAT[entry.direction] : "Opening balance")}</span>
              <span className="history__meta">
                {entry.counterpartyId
                  ? `${entry.direction === "CREDIT" ? "From" : "To"} ${entry.counterpartyId} · `
                  : ""}
                <time dateTime={entry.createdAt}>{when.format(new Date(entry.createdAt))}</time>
              </span>
            </div>
            <div className="history__amounts">
              <span className={`history__amount history__amount--${entry.direction.toLowerCase()}`}>
                <span className="visually-hidden">{`${KIND_LABELS[entry.direction]} `}</span>
                <Money amount={signedAmount(entry)} currency={entry.currency} signed />
              </span>
              <span className="history__balance">
                <span className="visually-hidden">Balance after </span>
                <Money amount={entry.balanceAfter} currency={entry.currency} />
              </span>
            </div>
          </li>
        ))}
      </ol>
      {error && (
        <p className="form-errors" role="alert">
          {error}
        </p>
      )}
      <div ref={sentinel} className="history__end">
        {hasNextPage ? (
          <button type="button" className="button button--quiet" onClick={onLoadMore} disabled={loading}>
            {loading ? "Loading…" : "Load older entries"}
          </button>
        ) : (
          entries.length > 0 && <p className="history__done">That is the whole history.</p>
        )}
      </div>
    </section>
  );
}

import { useMemo } from "react";
import { useQuery } from "urql";
import { AccountQuery } from "../api/operations";
import { BalanceChart } from "../components/BalanceChart";
import { HistoryList } from "../components/HistoryList";
import { LiveStatus } from "../components/LiveStatus";
import { Money } from "../components/Money";
import { PageHeading } from "../components/PageHeading";
import { useBalanceFeed } from "../hooks/useBalanceFeed";
import { useHistoryPages } from "../hooks/useHistoryPages";
import { mergeHistory } from "../lib/history";
import { Link, paths } from "../router";

const CHART_POINTS = 120;

/** One account: live balance, balance over time, and its whole history as an infinite list. */
export function AccountScreen({ id }: { id: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: AccountQuery, variables: { id } });
  const history = useHistoryPages(id);
  const feed = useBalanceFeed(id, () => {
    // Back after a drop with no version to resume from: read everything again.
    refetch({ requestPolicy: "network-only" });
    history.reset();
  });
  const entries = useMemo(() => mergeHistory(feed.entries, history.entries), [feed.entries, history.entries]);
  const balances = useMemo(
    () => entries.slice(0, CHART_POINTS).map((entry) => entry.balanceAfter).reverse(),
    [entries],
  );

  if (!data) {
    return (
      <>
        <PageHeading>Account {id}</PageHeading>
        {fetching && <p>Loading…</p>}
        {error && <p role="alert">This account could not be loaded. Try again in a moment.</p>}
      </>
    );
  }
  const account = data?.account;
  if (!account) {
    return (
      <>
        <PageHeading>Account not found</PageHeading>
        <p data-testid="not-found">There is no account “{id}” that you can see.</p>
        <Link href={paths.accounts()}>Back to my accounts</Link>
      </>
    );
  }
  const balance = feed.latest?.balance ?? account.balance;
  return (
    <>
      <div className="screen-title">
        <PageHeading>Account {account.id}</PageHeading>
        <LiveStatus />
      </div>
      <section className="card balance-panel" aria-label="Balance">
        <p className="balance-panel__label">Balance</p>
        <p className="balance-panel__amount">
          <Money amount={balance} currency={account.currency} testId="account-balance" />
        </p>
        <p className="balance-panel__meta">
          {account.currency}
          {account.ownerId ? ` · owned by ${account.ownerId}` : ""}
        </p>
        <Link className="button" href={paths.send(account.id)}>
          Send money
        </Link>
        {feed.refused && <p role="alert">{feed.refused}</p>}
      </section>
      <BalanceChart balances={balances} currency={account.currency} />
      <HistoryList
        entries={entries}
        hasNextPage={history.hasNextPage}
        loading={history.loading}
        error={history.error}
        onLoadMore={() => void history.loadMore()}
      />
    </>
  );
}

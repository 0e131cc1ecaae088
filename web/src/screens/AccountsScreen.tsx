import { useQuery } from "urql";
import { MyAccountsQuery } from "../api/operations";
import { AccountCard } from "../components/AccountCard";
import { LiveStatus } from "../components/LiveStatus";
import { PageHeading } from "../components/PageHeading";

/** My accounts, each with its live balance. */
export function AccountsScreen() {
  const [{ data, fetching, error }] = useQuery({ query: MyAccountsQuery, variables: {} });
  const accounts = data?.me.accounts.edges.map((edge) => edge.node) ?? [];
  return (
    <>
      <div className="screen-title">
        <PageHeading>My accounts</PageHeading>
        <LiveStatus />
      </div>
      {error && !data && <p role="alert">Your accounts could not be loaded. Try again in a moment.</p>}
      {fetching && !data && <p>Loading your accounts…</p>}
      {data && accounts.length === 0 && <p>You have no accounts yet. An operator can open one for you.</p>}
      <ul className="account-grid">
        {accounts.map((account) => (
          <AccountCard key={account.id} {...account} />
        ))}
      </ul>
    </>
  );
}

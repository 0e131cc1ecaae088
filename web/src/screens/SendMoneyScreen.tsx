import { useQuery } from "urql";
import { MyAccountsQuery } from "../api/operations";
import { PageHeading } from "../components/PageHeading";
import { TransferForm } from "../components/TransferForm";

export function SendMoneyScreen({ from }: { from: string | null }) {
  const [{ data, error }] = useQuery({ query: MyAccountsQuery, variables: {} });
  const sources = data?.me.accounts.edges.map((edge) => edge.node);
  return (
    <>
      <PageHeading>Send money</PageHeading>
      {error && !data && <p role="alert">Your accounts could not be loaded.</p>}
      {sources && sources.length === 0 && <p>You have no account to send from.</p>}
      {sources && sources.length > 0 && (
        <TransferForm idPrefix="send" sources={sources} initialFrom={from && sources.some((s) => s.id === from) ? from : null} />
      )}
    </>
  );
}

import { useBalanceFeed } from "../hooks/useBalanceFeed";
import { Link, paths } from "../router";
import { Money } from "./Money";

interface AccountCardProps {
  id: string;
  balance: string;
  currency: string;
}

/** One of my accounts with its live balance. */
export function AccountCard({ id, balance, currency }: AccountCardProps) {
  const feed = useBalanceFeed(id);
  const current = feed.latest?.balance ?? balance;
  return (
    <li className="card account-card" data-account-id={id}>
      <h2 className="account-card__name">
        <Link href={paths.account(id)}>{id}</Link>
      </h2>
      <p className="account-card__balance">
        <span className="visually-hidden">Balance </span>
        <Money amount={current} currency={currency} testId={`balance-${id}`} />
      </p>
      <p className="account-card__actions">
        <Link className="button button--quiet" href={paths.send(id)}>
          Send money<span className="visually-hidden"> from {id}</span>
        </Link>
      </p>
    </li>
  );
}

import { useEffect, useRef, useState } from "react";
import { type BalanceChange, followBalance } from "../api/balanceFeed";
import { useApi } from "../api/context";
import type { EntryFieldsFragment } from "../gql/graphql";

export interface BalanceFeed {
  /** The newest change applied, null until one arrives. */
  latest: BalanceChange | null;
  /** Entries that arrived live, newest first. */
  entries: EntryFieldsFragment[];
  refused: string | null;
}

/** Follow one account's balance while the component is mounted. */
export function useBalanceFeed(accountId: string, onResync?: () => void): BalanceFeed {
  const { ws } = useApi();
  const [feed, setFeed] = useState<BalanceFeed>({ latest: null, entries: [], refused: null });
  const resync = useRef(onResync);
  resync.current = onResync;

  useEffect(() => {
    setFeed({ latest: null, entries: [], refused: null });
    return followBalance(ws, accountId, {
      onChange: (change) =>
        setFeed((previous) => ({ ...previous, latest: change, entries: [change.entry, ...previous.entries] })),
      onResync: () => resync.current?.(),
      onRefused: (message) => setFeed((previous) => ({ ...previous, refused: message })),
    });
  }, [ws, accountId]);
  return feed;
}

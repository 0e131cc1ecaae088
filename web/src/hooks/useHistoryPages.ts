import { useCallback, useEffect, useRef, useState } from "react";
import { useApi } from "../api/context";
import { HistoryQuery } from "../api/operations";
import type { EntryFieldsFragment } from "../gql/graphql";

export const PAGE_SIZE = 20;

interface Pages {
  entries: EntryFieldsFragment[];
  endCursor: string | null;
  hasNextPage: boolean;
  loading: boolean;
  error: string | null;
  pagesLoaded: number;
}

const EMPTY: Pages = { entries: [], endCursor: null, hasNextPage: true, loading: false, error: null, pagesLoaded: 0 };

/** The account's history over the cursor connection, one page at a time, newest first. */
export function useHistoryPages(accountId: string) {
  const { http } = useApi();
  const [pages, setPages] = useState<Pages>(EMPTY);
  const inFlight = useRef(false);
  const generation = useRef(0);

  const loadMore = useCallback(async () => {
    if (inFlight.current) return;
    const current = pagesRef.current;
    if (!current.hasNextPage) return;
    inFlight.current = true;
    const mine = generation.current;
    setPages((previous) => ({ ...previous, loading: true, error: null }));
    const result = await http
      .query(HistoryQuery, { id: accountId, first: PAGE_SIZE, after: current.endCursor }, { requestPolicy: "network-only" })
      .toPromise();
    inFlight.current = false;
    if (mine !== generation.current) return;
    const connection = result.data?.account?.transactions;
    if (!connection) {
      setPages((previous) => ({
        ...previous,
        loading: false,
        hasNextPage: false,
        error: result.error ? "The history could not be loaded." : null,
      }));
      return;
    }
    setPages((previous) => ({
      entries: [...previous.entries, ...connection.edges.map((edge) => edge.node)],
      endCursor: connection.pageInfo.endCursor ?? null,
      hasNextPage: connection.pageInfo.hasNextPage,
      loading: false,
      error: null,
      pagesLoaded: previous.pagesLoaded + 1,
    }));
  }, [http, accountId]);

  const pagesRef = useRef(pages);
  pagesRef.current = pages;

  const reset = useCallback(() => {
    generation.current++;
    inFlight.current = false;
    pagesRef.current = EMPTY;
    setPages(EMPTY);
    void loadMore();
  }, [loadMore]);

  useEffect(() => {
    reset();
  }, [reset]);

  return { ...pages, loadMore, reset };
}

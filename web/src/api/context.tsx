import { createContext, useContext, useSyncExternalStore } from "react";
import type { Api, LinkState } from "./client";

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside ApiContext");
  return api;
}

export function useLinkState(): LinkState {
  const { link } = useApi();
  return useSyncExternalStore(link.subscribe, link.get);
}

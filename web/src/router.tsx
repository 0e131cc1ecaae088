/** A router for five screens: the History API, links that push, focus moved to each new page. */
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from "react";
import { Store } from "./lib/store";

export const BASE = import.meta.env.BASE_URL; // "/app/"

const location$ = new Store(window.location.pathname + window.location.search);
window.addEventListener("popstate", () => location$.set(window.location.pathname + window.location.search));

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  location$.set(to);
}

export function useLocation(): URL {
  const href = useSyncExternalStore(location$.subscribe, location$.get);
  return new URL(href, window.location.origin);
}

export type Route =
  | { name: "accounts" }
  | { name: "account"; id: string }
  | { name: "send"; from: string | null }
  | { name: "operator" }
  | { name: "callback" }
  | { name: "notFound" };

export function matchRoute(url: URL): Route {
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : null;
  if (path === null) return { name: "notFound" };
  if (path === "" || path === "index.html") return { name: "accounts" };
  if (path === "send") return { name: "send", from: url.searchParams.get("from") };
  if (path === "operator") return { name: "operator" };
  if (path === "callback") return { name: "callback" };
  const account = /^accounts\/([^/]+)$/.exec(path);
  if (account) return { name: "account", id: decodeURIComponent(account[1]) };
  return { name: "notFound" };
}

export const paths = {
  accounts: () => BASE,
  account: (id: string) => `${BASE}accounts/${encodeURIComponent(id)}`,
  send: (from?: string) => `${BASE}send${from ? `?from=${encodeURIComponent(from)}` : ""}`,
  operator: () => `${BASE}operator`,
};

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

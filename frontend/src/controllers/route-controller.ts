import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type AppRoute, parseRoute, routeHash } from "../app-route.ts";

/** The route in the URL hash; follows back/forward and links, and navigates. */
export class RouteController implements ReactiveController {
  route: AppRoute = parseRoute(location.hash);
  private readonly onHashChange = () => {
    this.route = parseRoute(location.hash);
    this.host.requestUpdate();
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    // pushState entries come back through popstate; typed or linked hashes through hashchange.
    window.addEventListener("hashchange", this.onHashChange);
    window.addEventListener("popstate", this.onHashChange);
    this.onHashChange();
  }

  hostDisconnected(): void {
    window.removeEventListener("hashchange", this.onHashChange);
    window.removeEventListener("popstate", this.onHashChange);
  }

  /** Goes to `route`: a new history entry, or in place of the current one with `replace`. */
  navigate(route: AppRoute, options: { replace?: boolean } = {}): void {
    const hash = routeHash(route);
    if (location.hash !== hash) {
      if (options.replace) history.replaceState(history.state, "", hash);
      else history.pushState(history.state, "", hash);
    }
    this.route = route;
    this.host.requestUpdate();
  }
}

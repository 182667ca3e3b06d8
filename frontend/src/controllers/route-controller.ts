import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type AppRoute, parseRoute, routeOfLegacyHash, routePath } from "../app-route.ts";

/** The route in the URL's path; follows back/forward, and navigates with the History API. */
export class RouteController implements ReactiveController {
  route: AppRoute = parseRoute(location.pathname);
  private readonly onLocationChange = () => {
    // Bookmarks and links from when the route was in the hash land on the same route's path.
    const legacyRoute = routeOfLegacyHash(location.hash);
    if (legacyRoute) history.replaceState(history.state, "", routePath(legacyRoute));
    this.route = parseRoute(location.pathname);
    this.host.requestUpdate();
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    // Also fired when only the hash changes, as when an old `#/chats/<id>` link is followed here.
    window.addEventListener("popstate", this.onLocationChange);
    this.onLocationChange();
  }

  hostDisconnected(): void {
    window.removeEventListener("popstate", this.onLocationChange);
  }

  /** Goes to `route`: a new history entry, or in place of the current one with `replace`. */
  navigate(route: AppRoute, options: { replace?: boolean } = {}): void {
    const path = routePath(route);
    if (location.pathname !== path) {
      if (options.replace) history.replaceState(history.state, "", path);
      else history.pushState(history.state, "", path);
    }
    this.route = route;
    this.host.requestUpdate();
  }
}

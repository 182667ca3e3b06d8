import type { ReactiveController, ReactiveControllerHost } from "lit";

/** What the user chose: follow the system, or always light or dark. */
export type ThemePreference = "system" | "light" | "dark";

const storageKey = "chat-theme";
const order: ThemePreference[] = ["system", "light", "dark"];

function storedPreference(): ThemePreference {
  try {
    const stored = localStorage.getItem(storageKey);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

/**
 * Puts the stored theme on the page (`<html data-theme>`; none follows the system through
 * `prefers-color-scheme`). Called once before the first render so the page does not flash.
 */
export function applyStoredTheme(): void {
  const preference = storedPreference();
  if (preference === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = preference;
}

/**
 * The colour theme: the system's by default, or the one the user picked (kept in
 * localStorage, shared by every tab).
 */
export class ThemeController implements ReactiveController {
  preference: ThemePreference = storedPreference();
  private readonly systemDark = matchMedia("(prefers-color-scheme: dark)");
  private readonly onSystemChange = () => this.host.requestUpdate();
  private readonly onStorage = (event: StorageEvent) => {
    if (event.key !== storageKey) return;
    this.preference = storedPreference();
    applyStoredTheme();
    this.host.requestUpdate();
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** The theme on screen now. */
  get effective(): "light" | "dark" {
    if (this.preference !== "system") return this.preference;
    return this.systemDark.matches ? "dark" : "light";
  }

  hostConnected(): void {
    this.systemDark.addEventListener("change", this.onSystemChange);
    window.addEventListener("storage", this.onStorage);
  }

  hostDisconnected(): void {
    this.systemDark.removeEventListener("change", this.onSystemChange);
    window.removeEventListener("storage", this.onStorage);
  }

  /** System, then light, then dark, then system again. */
  cycle(): void {
    this.set(order[(order.indexOf(this.preference) + 1) % order.length] as ThemePreference);
  }

  set(preference: ThemePreference): void {
    this.preference = preference;
    try {
      if (preference === "system") localStorage.removeItem(storageKey);
      else localStorage.setItem(storageKey, preference);
    } catch {
      // Private mode without storage: the choice lasts until reload.
    }
    if (preference === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = preference;
    this.host.requestUpdate();
  }
}

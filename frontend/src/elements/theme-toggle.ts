import { css, html, LitElement } from "lit";
import { customElement } from "lit/decorators.js";
import { ThemeController, type ThemePreference } from "../controllers/theme-controller.ts";
import { baseStyles } from "./base-styles.ts";
import { moonIcon, sunIcon, systemIcon } from "./icons.ts";

const names: Record<ThemePreference, string> = { system: "System", light: "Light", dark: "Dark" };

/** A button that switches the colour theme: system, light, dark, and round again. */
@customElement("theme-toggle")
export class ThemeToggle extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: inline-flex;
      }
    `,
  ];

  private readonly _theme = new ThemeController(this);

  override render() {
    const preference = this._theme.preference;
    const icon = preference === "system" ? systemIcon : preference === "light" ? sunIcon : moonIcon;
    const label = `Theme: ${names[preference]}${preference === "system" ? ` (${this._theme.effective})` : ""}. Change theme`;
    return html`<button class="icon" type="button" aria-label=${label} title=${label} @click=${this._onClick}>
      ${icon}
    </button>`;
  }

  private _onClick(): void {
    this._theme.cycle();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "theme-toggle": ThemeToggle;
  }
}

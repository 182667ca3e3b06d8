import { css, html, LitElement } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { StreamStatus } from "../live/resumable-event-stream.ts";

const labels: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Not connected",
};

/**
 * The live connection's state, as a small pill: connected, reconnecting or offline. It is a
 * status region, so screen readers hear the changes.
 */
@customElement("connection-pill")
export class ConnectionPill extends LitElement {
  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 3px 10px 3px 8px;
      border: 1px solid var(--border);
      border-radius: 999px;
      font-size: 12px;
      line-height: 1.4;
      color: var(--text-muted);
      white-space: nowrap;
      background: var(--surface);
    }
    .dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: var(--success);
    }
    :host([status="connecting"]) .dot,
    :host([status="reconnecting"]) .dot {
      background: var(--warning);
      animation: pulse 1.2s ease-in-out infinite;
    }
    :host([status="offline"]) .dot,
    :host([status="closed"]) .dot {
      background: var(--danger);
    }
    :host([status="offline"]) {
      color: var(--danger);
      border-color: currentColor;
    }
    @keyframes pulse {
      50% {
        opacity: 0.35;
      }
    }
    /* On a phone, a working connection is its dot alone; the words stay for screen readers. */
    @media (max-width: 760px) {
      :host([status="open"]) {
        padding: 6px;
        border-color: transparent;
      }
      :host([status="open"]) [role="status"] {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .dot {
        animation: none !important;
      }
    }
  `;

  /** The connection's state; reflected so styles and tests can read it. */
  @property({ reflect: true }) status: StreamStatus = "connecting";

  override render() {
    return html`<span class="dot" aria-hidden="true"></span><span role="status">${labels[this.status]}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "connection-pill": ConnectionPill;
  }
}

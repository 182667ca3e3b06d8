import type { ConsoleChatDetail, User } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi } from "./admin-api.ts";
import { formatDuration } from "./console-rows.ts";
import { ConsoleStreamController } from "./console-stream-controller.ts";

/** The chat events after which the detail is read again. */
const followedEvents = [
  "message_created",
  "message_complete",
  "message_deleted",
  "help_requested",
  "help_cancelled",
  "agent_joined",
  "agent_left",
] as const;

/** The conversation's help requests and staff actions, newest first, as lines to show. */
function helpAndTakeover(detail: ConsoleChatDetail): Array<{ at: string; text: string }> {
  const help = detail.helpRequests.map((event) => ({
    at: event.at,
    text: event.kind === "requested" ? "the user asked for a person" : "help request closed",
  }));
  const staff = detail.history.map((entry) => ({
    at: entry.at,
    text: `${entry.actor.email}: ${entry.action.replaceAll("_", " ")}`,
  }));
  return [...help, ...staff].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

const milliseconds = (value: number | null) => (value === null ? "–" : `${Math.round(value)} ms`);

/**
 * One conversation in the console: its messages, answer metrics, sessions and takeover history,
 * followed live through the chat's event stream; the agent takes it over, writes to the user and
 * releases it here. While the agent holds the chat, the hold is renewed every third of its
 * lifetime for as long as this view is open.
 *
 * @fires detail-close - the agent closed the view
 */
@customElement("console-chat-detail")
export class ConsoleChatDetailView extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
        border: 1px solid var(--border);
        border-radius: var(--radius);
        padding: 14px;
        background: var(--surface-muted);
        align-self: start;
        position: sticky;
        top: 12px;
        max-height: calc(100dvh - 24px);
        overflow: auto;
      }
      h2 {
        margin: 0;
        font-size: 1.1rem;
      }
      .head {
        display: flex;
        gap: 8px;
        align-items: start;
        justify-content: space-between;
      }
      .muted {
        color: var(--text-muted);
        font-size: 0.85rem;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 4px 12px;
        margin: 0;
        font-size: 0.85rem;
      }
      dt {
        color: var(--text-muted);
      }
      dd {
        margin: 0;
      }
      .messages {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      .message {
        padding: 8px 10px;
        border-radius: 8px;
        background: var(--surface);
        border: 1px solid var(--border);
        overflow-wrap: anywhere;
      }
      .text {
        white-space: pre-wrap;
      }
      .message.user {
        background: var(--user-bubble);
      }
      .who {
        display: block;
        font-size: 0.75rem;
        color: var(--text-muted);
        margin-bottom: 2px;
      }
      .actions {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
      }
      textarea {
        width: 100%;
        font: inherit;
        min-height: 60px;
        padding: 6px 8px;
        border-radius: 8px;
        border: 1px solid var(--border-strong);
        background: var(--surface);
        color: var(--text);
      }
      .error {
        color: var(--danger);
      }
      h3 {
        margin: 4px 0;
        font-size: 0.9rem;
      }
      ul {
        margin: 0;
        padding-left: 18px;
        font-size: 0.85rem;
      }
    `,
  ];

  @property({ attribute: false }) chatId?: string;
  /** The signed-in staff member: whether they hold the chat. */
  @property({ attribute: false }) agent?: User;

  @state() private _detail: ConsoleChatDetail | undefined;
  @state() private _error = "";
  @state() private _busy = false;
  private _renewTimer: ReturnType<typeof setTimeout> | undefined;
  private _refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private _loadSequence = 0;

  private readonly _events = new ConsoleStreamController(this, {
    path: () => (this.chatId ? `/api/chats/${encodeURIComponent(this.chatId)}/events` : undefined),
    eventTypes: followedEvents,
    onEvent: () => this.refresh(),
    onReconnected: () => this.refresh(),
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._renewTimer);
    clearTimeout(this._refreshTimer);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("chatId")) {
      this._detail = undefined;
      this._events.sync();
      void this._load();
    }
  }

  /** Reads the conversation again soon (several events in a row make one read). */
  refresh(): void {
    this._refreshTimer ??= setTimeout(() => {
      this._refreshTimer = undefined;
      void this._load();
    }, 150);
  }

  private get _heldByMe(): boolean {
    const hold = this._detail?.chat.heldBy;
    return !!hold && hold.agentId === this.agent?.id && Date.parse(hold.expiresAt) > Date.now();
  }

  private async _load(): Promise<void> {
    const chatId = this.chatId;
    if (!chatId) return;
    const sequence = ++this._loadSequence;
    try {
      const detail = await adminApi.conversation(chatId);
      if (sequence !== this._loadSequence) return;
      this._detail = detail;
      this._error = "";
      this._scheduleRenewal();
    } catch (error) {
      if (sequence === this._loadSequence)
        this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
  }

  /** While this agent holds the chat, takes it over again a third of the way through the hold. */
  private _scheduleRenewal(): void {
    clearTimeout(this._renewTimer);
    const hold = this._detail?.chat.heldBy;
    if (!hold || !this._heldByMe) return;
    const lifetime = Date.parse(hold.expiresAt) - Date.parse(hold.since);
    const renewAt = Date.parse(hold.expiresAt) - (lifetime * 2) / 3;
    this._renewTimer = setTimeout(() => void this._renew(), Math.max(1_000, renewAt - Date.now()));
  }

  private async _renew(): Promise<void> {
    if (!this.chatId || !this.isConnected) return;
    try {
      await adminApi.takeOver(this.chatId);
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
    await this._load();
  }

  override render() {
    const detail = this._detail;
    if (!detail) return html`<p class="muted" role="status">${this._error || "Loading…"}</p>`;
    const { chat, metrics } = detail;
    const heldByOther =
      chat.heldBy && chat.heldBy.agentId !== this.agent?.id && Date.parse(chat.heldBy.expiresAt) > Date.now();
    return html`
      <div class="head">
        <div>
          <h2>${chat.title}</h2>
          <span class="muted">${chat.userName} · ${chat.userEmail} · ${chat.model}</span>
        </div>
        <button class="icon" type="button" aria-label="Close" title="Close" @click=${this._onClose}>✕</button>
      </div>
      <div class="actions">
        ${
          this._heldByMe
            ? html`<button class="ghost" type="button" ?disabled=${this._busy} @click=${this._onRelease}>Release to the AI</button>`
            : html`<button class="primary" type="button" ?disabled=${this._busy || !!heldByOther} @click=${this._onTakeOver}>
              Take over
            </button>`
        }
        ${heldByOther ? html`<span class="muted">Held by ${chat.heldBy?.name}</span>` : nothing}
        ${chat.needsHelp ? html`<span class="muted">The user asked for a person</span>` : nothing}
      </div>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      ${
        this._heldByMe
          ? html`<form @submit=${this._onSend}>
            <label class="visually-hidden" for="agent-message">Message to the user</label>
            <textarea id="agent-message" name="content" placeholder="Write to ${chat.userName || "the user"}…" required></textarea>
            <button class="primary" type="submit" ?disabled=${this._busy}>Send</button>
          </form>`
          : nothing
      }
      <dl aria-label="Metrics">
        <dt>Answers</dt>
        <dd>${metrics.answers}</dd>
        <dt>First token</dt>
        <dd>avg ${milliseconds(metrics.timeToFirstTokenMs.average)}, worst ${milliseconds(metrics.timeToFirstTokenMs.worst)}</dd>
        <dt>Answer time</dt>
        <dd>avg ${milliseconds(metrics.durationMs.average)}, worst ${milliseconds(metrics.durationMs.worst)}</dd>
        <dt>Tokens</dt>
        <dd>${metrics.inputTokens.toLocaleString()} in, ${metrics.outputTokens.toLocaleString()} out</dd>
        <dt>Cost</dt>
        <dd>$${metrics.costUsd.toFixed(4)}</dd>
        <dt>Sessions</dt>
        <dd>
          ${detail.sessions.map(
            (session) =>
              html`${new Date(session.startedAt).toLocaleString()} · ${formatDuration(session.durationMs)}<br />`,
          )}
        </dd>
      </dl>
      ${
        helpAndTakeover(detail).length > 0
          ? html`<h3>Help and takeover</h3>
            <ul>
              ${helpAndTakeover(detail).map((entry) => html`<li>${new Date(entry.at).toLocaleString()} · ${entry.text}</li>`)}
            </ul>`
          : nothing
      }
      <h3>Messages${detail.hasOlderMessages ? " (the newest 100)" : ""}</h3>
      <div class="messages" role="log">
        ${detail.messages.map(
          (message) => html`<div class="message ${message.role}" data-role=${message.role}>
            <span class="who"
              >${message.role === "user" ? chat.userName || "User" : message.author?.kind === "agent" ? message.author.name : "Assistant"}
              · ${new Date(message.createdAt).toLocaleTimeString()}</span
            >
            <div class="text">${message.content}</div>
          </div>`,
        )}
      </div>
    `;
  }

  private async _act(action: () => Promise<unknown>): Promise<void> {
    this._busy = true;
    this._error = "";
    try {
      await action();
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    } finally {
      this._busy = false;
    }
    await this._load();
  }

  private _onTakeOver(): void {
    const chatId = this.chatId;
    if (chatId) void this._act(() => adminApi.takeOver(chatId));
  }

  private _onRelease(): void {
    const chatId = this.chatId;
    if (chatId) void this._act(() => adminApi.release(chatId));
  }

  private _onSend(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const content = String(new FormData(form).get("content") ?? "").trim();
    const chatId = this.chatId;
    if (!content || !chatId) return;
    void this._act(async () => {
      await adminApi.sendAgentMessage(chatId, content, crypto.randomUUID());
      form.reset();
    });
  }

  private _onClose(): void {
    this.dispatchEvent(new CustomEvent("detail-close", { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "console-chat-detail": ConsoleChatDetailView;
  }
}

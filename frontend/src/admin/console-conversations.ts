import type { ConsoleChat, ConsoleChatStatus, ConsoleSort, ConsoleTotals, User } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { ApiError } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi } from "./admin-api.ts";
import {
  activityNow,
  type ConsoleRowFilter,
  formatDuration,
  mergeLiveRow,
  rowMatches,
} from "./console-rows.ts";
import { ConsoleStreamController } from "./console-stream-controller.ts";
import { consoleTableStyles } from "./console-table-styles.ts";
import "./console-chat-detail.ts";

const statuses: Array<{ value: ConsoleChatStatus; label: string }> = [
  { value: "active", label: "Active" },
  { value: "idle", label: "Idle" },
  { value: "ended", label: "Ended" },
  { value: "needs_help", label: "Needs help" },
  { value: "assisted", label: "Assisted" },
];

const sorts: Array<{ value: ConsoleSort; label: string }> = [
  { value: "last_activity", label: "Last activity" },
  { value: "started", label: "Started" },
  { value: "duration", label: "Duration" },
  { value: "user", label: "User" },
];

/** Totals are read again on live activity, at most this often. */
const totalsEveryMs = 5_000;
/** Statuses move on with the clock: the rows are drawn again this often. */
const clockTickMs = 15_000;

/**
 * The console's conversations: totals, filters and sort, the live list (new and changed rows
 * arrive over SSE, never by polling), pages on demand, and the detail of the one selected.
 */
@customElement("console-conversations")
export class ConsoleConversations extends LitElement {
  static override styles = [
    baseStyles,
    consoleTableStyles,
    css`
      :host {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 14px;
      }
      :host([has-detail]) {
        grid-template-columns: minmax(0, 3fr) minmax(340px, 2fr);
      }
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 10px;
        grid-column: 1 / -1;
      }
      .total {
        padding: 8px 14px;
        border: 1px solid var(--border);
        border-radius: var(--radius);
        background: var(--surface-muted);
      }
      .total strong {
        display: block;
        font-size: 1.25rem;
      }
      .total span {
        color: var(--text-muted);
        font-size: 0.8rem;
      }
      form {
        margin: 0 0 10px;
      }
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover,
      tbody tr[aria-selected="true"] {
        background: var(--accent-soft);
      }
      .title {
        font-weight: 600;
      }
      .muted {
        font-size: 0.8rem;
      }
      .badge {
        display: inline-block;
        padding: 1px 8px;
        border-radius: 999px;
        font-size: 0.75rem;
        margin: 0 4px 2px 0;
        background: var(--surface-sunken);
        color: var(--text);
      }
      .badge.active {
        background: var(--accent-soft);
        color: var(--accent-soft-text);
      }
      .badge.help {
        background: var(--danger-soft);
        color: var(--danger);
      }
      .live {
        font-size: 0.8rem;
        color: var(--text-muted);
      }
      .more {
        margin-top: 10px;
      }
    `,
  ];

  /** The signed-in staff member. */
  @property({ attribute: false }) agent?: User;

  @state() private _rows: ConsoleChat[] = [];
  @state() private _nextCursor: string | null = null;
  @state() private _loading = false;
  @state() private _error = "";
  @state() private _filter: ConsoleRowFilter = {};
  @state() private _sort: ConsoleSort = "last_activity";
  @state() private _selectedId: string | undefined;
  @state() private _totals: ConsoleTotals | undefined;
  @state() private _now = new Date();
  private _sessionIdleMinutes = 15;
  private _loadSequence = 0;
  private _totalsTimer: ReturnType<typeof setTimeout> | undefined;
  private _clock: ReturnType<typeof setInterval> | undefined;

  private readonly _live = new ConsoleStreamController(this, {
    path: () => "/api/admin/console/events",
    eventTypes: ["ready", "chat", "chat_deleted"],
    onEvent: (type, data) => {
      if (type === "ready") {
        this._sessionIdleMinutes = (data as { sessionIdleMinutes: number }).sessionIdleMinutes;
        void this._reload();
      } else if (type === "chat") this._onLiveRow(data as ConsoleChat);
      else if (type === "chat_deleted") this._onLiveDeleted((data as { chatId: string }).chatId);
    },
    onReconnected: () => void this._reload(),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this._clock = setInterval(() => {
      this._now = new Date();
    }, clockTickMs);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this._clock);
    clearTimeout(this._totalsTimer);
  }

  override render() {
    const totals = this._totals;
    const today = totals?.usageByDay.filter((row) => row.day === totals.at.slice(0, 10)) ?? [];
    const errorsToday =
      totals?.providerErrorsByDay.find((row) => row.day === totals.at.slice(0, 10))?.errors ?? 0;
    this.toggleAttribute("has-detail", this._selectedId !== undefined);
    return html`
      <section class="totals" aria-label="Totals">
        <div class="total"><strong>${totals?.activeUsers ?? "–"}</strong><span>active users</span></div>
        <div class="total"><strong>${totals?.openStreams ?? "–"}</strong><span>answers streaming</span></div>
        <div class="total"><strong>${totals ? totals.answersPerMinute.toFixed(1) : "–"}</strong><span>answers / min</span></div>
        <div class="total">
          <strong>${today.reduce((sum, row) => sum + row.inputTokens + row.outputTokens, 0).toLocaleString()}</strong
          ><span>tokens today</span>
        </div>
        <div class="total">
          <strong>$${today.reduce((sum, row) => sum + row.costUsd, 0).toFixed(4)}</strong><span>cost today</span>
        </div>
        <div class="total"><strong>${errorsToday}</strong><span>provider errors today</span></div>
        ${today.map(
          (row) =>
            html`<div class="total" data-model=${row.model}>
              <strong>${row.answers}</strong><span>${row.model}: ${(row.inputTokens + row.outputTokens).toLocaleString()} tokens, $${row.costUsd.toFixed(4)}</span>
            </div>`,
        )}
      </section>
      <section aria-label="Conversations">
        <form @submit=${this._onFilterSubmit} @change=${this._onFilterSubmit}>
          <label>User email<input name="userEmail" type="email" placeholder="ada@example.com" .value=${this._filter.userEmail ?? ""} /></label>
          <label>From<input name="from" type="date" .value=${this._filter.from?.slice(0, 10) ?? ""} /></label>
          <label>To<input name="to" type="date" .value=${this._filter.to ? dayBefore(this._filter.to) : ""} /></label>
          <label
            >Status<select name="status">
              <option value="">Any</option>
              ${statuses.map((status) => html`<option value=${status.value} ?selected=${this._filter.status === status.value}>${status.label}</option>`)}
            </select></label
          >
          <label>Model<input name="model" placeholder="any" .value=${this._filter.model ?? ""} /></label>
          <label
            >Sort by<select name="sort">
              ${sorts.map((sort) => html`<option value=${sort.value} ?selected=${this._sort === sort.value}>${sort.label}</option>`)}
            </select></label
          >
          <span class="live" role="status">${this._live.status === "open" ? "● Live" : `○ ${this._live.status}`}</span>
        </form>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        <table>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">User</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Last activity</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            ${repeat(
              this._rows,
              (row) => row.id,
              (row) => this._renderRow(row),
            )}
          </tbody>
        </table>
        ${this._rows.length === 0 && !this._loading ? html`<p class="muted">No conversations match.</p>` : nothing}
        ${
          this._nextCursor
            ? html`<button class="ghost more" type="button" ?disabled=${this._loading} @click=${this._onMore}>Load more</button>`
            : nothing
        }
      </section>
      ${
        this._selectedId
          ? html`<console-chat-detail
            .chatId=${this._selectedId}
            .agent=${this.agent}
            @detail-close=${this._onDetailClose}
          ></console-chat-detail>`
          : nothing
      }
    `;
  }

  private _renderRow(row: ConsoleChat) {
    const activity = activityNow(row, this._now, this._sessionIdleMinutes);
    return html`<tr
      data-chat-id=${row.id}
      aria-selected=${row.id === this._selectedId ? "true" : "false"}
      tabindex="0"
      @click=${() => this._select(row.id)}
      @keydown=${(event: KeyboardEvent) => {
        if (event.key === "Enter") this._select(row.id);
      }}
    >
      <td><span class="title">${row.title}</span><br /><span class="muted">${row.model} · ${row.messageCount} messages</span></td>
      <td>${row.userName}<br /><span class="muted">${row.userEmail}</span></td>
      <td>
        <span class="badge ${activity === "active" ? "active" : ""}">${activity}</span>
        ${row.needsHelp ? html`<span class="badge help">needs help</span>` : nothing}
        ${
          row.heldBy && Date.parse(row.heldBy.expiresAt) > this._now.getTime()
            ? html`<span class="badge">held by ${row.heldBy.name}</span>`
            : row.assisted
              ? html`<span class="badge">assisted</span>`
              : nothing
        }
      </td>
      <td class="muted">${formatTime(row.createdAt)}</td>
      <td class="muted">${formatTime(row.lastActivityAt)}</td>
      <td class="muted">${formatDuration(row.sessionDurationMs)}${row.sessions > 1 ? html`<br />${row.sessions} sessions` : nothing}</td>
    </tr>`;
  }

  private _query() {
    return { ...this._filter, sort: this._sort };
  }

  private async _reload(): Promise<void> {
    const sequence = ++this._loadSequence;
    this._loading = true;
    this._error = "";
    try {
      const page = await adminApi.listConversations(this._query());
      if (sequence !== this._loadSequence) return;
      this._rows = page.chats;
      this._nextCursor = page.nextCursor;
      this._sessionIdleMinutes = page.sessionIdleMinutes;
    } catch (error) {
      if (sequence === this._loadSequence)
        this._error = ApiError.isInstance(error) ? error.message : String(error);
    } finally {
      if (sequence === this._loadSequence) this._loading = false;
    }
    void this._loadTotals();
  }

  private async _onMore(): Promise<void> {
    if (!this._nextCursor) return;
    const sequence = this._loadSequence;
    this._loading = true;
    try {
      const page = await adminApi.listConversations({ ...this._query(), cursor: this._nextCursor });
      if (sequence !== this._loadSequence) return;
      const known = new Set(this._rows.map((row) => row.id));
      this._rows = [...this._rows, ...page.chats.filter((row) => !known.has(row.id))];
      this._nextCursor = page.nextCursor;
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    } finally {
      this._loading = false;
    }
  }

  private async _loadTotals(): Promise<void> {
    try {
      this._totals = await adminApi.totals();
    } catch {
      // The totals are a summary: the list stays usable without them.
    }
  }

  private _onLiveRow(row: ConsoleChat): void {
    this._rows = mergeLiveRow(this._rows, row, {
      sort: this._sort,
      matches: rowMatches(row, this._filter, new Date(), this._sessionIdleMinutes),
      complete: this._nextCursor === null,
    });
    this._totalsTimer ??= setTimeout(() => {
      this._totalsTimer = undefined;
      void this._loadTotals();
    }, totalsEveryMs);
    if (row.id === this._selectedId) this.renderRoot.querySelector("console-chat-detail")?.refresh();
  }

  private _onLiveDeleted(chatId: string): void {
    this._rows = this._rows.filter((row) => row.id !== chatId);
  }

  private _onFilterSubmit(event: Event): void {
    event.preventDefault();
    const form = (event.currentTarget as HTMLFormElement | null) ?? this.renderRoot.querySelector("form");
    if (!form) return;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    const from = text("from");
    const to = text("to");
    this._filter = {
      userEmail: text("userEmail"),
      status: text("status") as ConsoleChatStatus | undefined,
      model: text("model"),
      from: from ? new Date(`${from}T00:00:00.000Z`).toISOString() : undefined,
      to: to ? new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined,
    };
    this._sort = (text("sort") as ConsoleSort | undefined) ?? "last_activity";
    void this._reload();
  }

  private _select(chatId: string): void {
    this._selectedId = chatId;
  }

  private _onDetailClose(): void {
    this._selectedId = undefined;
  }
}

/** The day before an exclusive end (the form's "to" day is included). */
function dayBefore(end: string): string {
  return new Date(Date.parse(end) - 86_400_000).toISOString().slice(0, 10);
}

function formatTime(at: string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

declare global {
  interface HTMLElementTagNameMap {
    "console-conversations": ConsoleConversations;
  }
}

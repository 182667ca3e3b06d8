import type { Chat, ChatProject } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { maximumSearchLength } from "../api-limits.ts";
import { ChatSearchController } from "../controllers/chat-search-controller.ts";
import { baseStyles } from "./base-styles.ts";
import { chevronIcon, folderIcon, pencilIcon, plusIcon, searchIcon, trashIcon } from "./icons.ts";
import "./chat-list-item.ts";
import "./chat-search-result.ts";

const dayMs = 24 * 60 * 60 * 1000;

/** The group a chat's last activity falls in, as ChatGPT and Claude.ai group them. */
function groupOf(timestamp: string, now: Date): string {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const at = Date.parse(timestamp);
  if (at >= startOfToday) return "Today";
  if (at >= startOfToday - dayMs) return "Yesterday";
  if (at >= startOfToday - 7 * dayMs) return "Previous 7 days";
  if (at >= startOfToday - 30 * dayMs) return "Previous 30 days";
  return "Older";
}

/**
 * The user's chats in sections: Pinned, Projects (each opens to show its chats and a "New chat in
 * project" button), and the other chats, newest activity first, grouped by day; the Archived
 * button shows the archived chats instead. A search box: text in it shows, in place of the list,
 * the chats whose title or messages contain it (searched on the server). The next page of
 * chats, or of results, loads when the end scrolls into view.
 *
 * @fires chats-more - The end of the list is in view and more chats exist.
 * @fires project-new - "New project" was picked.
 * @fires project-open - A project was opened; detail `{ projectId }`.
 * @fires project-edit - A project's settings button was picked; detail `{ projectId }`.
 * @fires project-delete - A project's delete button was picked; detail `{ projectId }`.
 * @fires project-chat-new - "New chat in project" was picked; detail `{ projectId }`.
 * @fires archive-open - The archived chats were asked for.
 * @fires chats-retry - The user asked to load the chats again after an error.
 * @fires chat-select - A search result was picked; detail `{ chatId }` (list items fire it too).
 */
@customElement("chat-list")
export class ChatList extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      .search-box {
        position: relative;
        margin: 0 12px 8px;
      }
      .search-box svg {
        position: absolute;
        left: 10px;
        top: 50%;
        width: 15px;
        height: 15px;
        transform: translateY(-50%);
        color: var(--text-muted);
        pointer-events: none;
      }
      input {
        width: 100%;
        padding: 7px 10px 7px 32px;
        font: inherit;
        font-size: 14px;
        color: var(--text);
        background: var(--surface);
        border: 1px solid var(--border-strong);
        border-radius: 8px;
      }
      input::placeholder {
        color: var(--text-muted);
      }
      input:focus-visible {
        outline-offset: 0;
      }
      nav {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
        padding: 0 8px 12px;
      }
      h3 {
        margin: 14px 10px 4px;
        font-size: 12px;
        font-weight: 600;
        color: var(--text-muted);
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .note {
        margin: 0;
        padding: 10px;
        font-size: 13px;
        color: var(--text-muted);
      }
      .error {
        color: var(--danger);
      }
      .search-status {
        margin: 0;
        font-size: 12px;
        font-weight: 600;
        color: var(--text-muted);
      }
      .search-status:not(:empty) {
        margin: 2px 18px 6px;
      }
      .results[aria-busy="true"] {
        opacity: 0.6;
      }
      .sentinel {
        height: 1px;
      }
      .section-head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        margin: 14px 4px 4px 0;
      }
      .section-head h3 {
        margin: 0 10px;
      }
      .section-head button svg,
      .project button svg {
        width: 15px;
        height: 15px;
      }
      .project {
        display: flex;
        align-items: center;
        border-radius: 8px;
      }
      .project:hover {
        background: var(--surface-sunken);
      }
      .project .open {
        flex: 1;
        min-width: 0;
        display: flex;
        align-items: center;
        gap: 6px;
        justify-content: flex-start;
        padding: 8px 10px;
        border: 0;
        background: none;
        color: inherit;
        font: inherit;
        font-size: 14px;
        text-align: left;
      }
      .project .open span {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .project .open .chevron {
        display: flex;
        flex: none;
      }
      .project .open[aria-expanded="true"] .chevron {
        transform: rotate(90deg);
      }
      .project-chats {
        margin-left: 14px;
        padding-left: 6px;
        border-left: 1px solid var(--border);
      }
      .project-chats .quiet,
      .archive-toggle {
        justify-content: flex-start;
        gap: 6px;
        width: 100%;
        font-size: 13px;
      }
      .archive-toggle {
        margin-top: 14px;
      }
    `,
  ];

  @property({ attribute: false }) chats: Chat[] = [];
  @property({ attribute: false }) projects: readonly ChatProject[] = [];
  @property({ attribute: false }) archivedChats: readonly Chat[] = [];
  @property({ attribute: "selected-id" }) selectedId?: string;
  @property({ type: Boolean }) loading = false;
  @property({ type: Boolean, attribute: "has-more" }) hasMore = false;
  @property() error?: string;

  @state() private _searchText = "";
  @state() private _showArchived = false;
  @state() private _openProjects = new Set<string>();
  @query("nav") private _nav?: HTMLElement;
  @query(".sentinel") private _sentinel?: HTMLElement;
  private readonly _search = new ChatSearchController(this);
  private _observer: IntersectionObserver | undefined;

  /** Puts the focus in the search box (the app's Ctrl+K). */
  focusSearch(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input[type="search"]')?.focus();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._searchText = "";
    this._observer?.disconnect();
    this._observer = undefined;
  }

  override firstUpdated(): void {
    this._observer = new IntersectionObserver(() => this._maybeLoadMore(), {
      root: this._nav,
      rootMargin: "200px",
    });
    if (this._sentinel) this._observer.observe(this._sentinel);
  }

  override updated(): void {
    // The observer only reports changes: a page that did not fill the list asks for the next one
    // here, once the items have rendered (they do after this element, so measure a frame later).
    requestAnimationFrame(() => this._maybeLoadMore());
  }

  override render() {
    return html`
      <div class="search-box" role="search">
        ${searchIcon}
        <input
          type="search"
          aria-label="Search chats"
          placeholder="Search chats"
          maxlength=${maximumSearchLength}
          .value=${this._searchText}
          @input=${this._onSearchInput}
          @keydown=${this._onSearchKeyDown}
        />
      </div>
      <p class="search-status" role="status" aria-live="polite">${this._searchStatus()}</p>
      <nav aria-label="Chat history">
        ${this._search.query ? this._renderResults() : this._renderChats()}
        <div class="sentinel" aria-hidden="true"></div>
      </nav>
    `;
  }

  private _renderItems(chats: readonly Chat[]) {
    return html`<ul>
      ${repeat(
        chats,
        (chat) => chat.id,
        (chat) =>
          html`<li><chat-list-item .chat=${chat} ?selected=${chat.id === this.selectedId}></chat-list-item></li>`,
      )}
    </ul>`;
  }

  private _renderPinned() {
    const pinned = this.chats.filter((chat) => chat.pinned);
    if (pinned.length === 0) return nothing;
    return html`<section aria-label="Pinned"><h3 aria-hidden="true">Pinned</h3>${this._renderItems(pinned)}</section>`;
  }

  private _renderProjects() {
    return html`<section aria-labelledby="projects-heading">
      <div class="section-head">
        <h3 id="projects-heading">Projects</h3>
        <button class="icon" type="button" aria-label="New project" title="New project" @click=${this._onNewProjectClick}>
          ${plusIcon}
        </button>
      </div>
      <ul>
        ${repeat(
          this.projects,
          (project) => project.id,
          (project) => {
            const open = this._openProjects.has(project.id);
            const chats = this.chats.filter((chat) => chat.projectId === project.id && !chat.pinned);
            return html`<li>
              <div class="project">
                <button
                  class="open"
                  type="button"
                  aria-expanded=${open ? "true" : "false"}
                  aria-controls="project-${project.id}"
                  @click=${() => this._onProjectToggle(project.id)}
                >
                  <span class="chevron" aria-hidden="true">${chevronIcon}</span>${folderIcon}<span>${project.name}</span>
                </button>
                <button
                  class="icon"
                  type="button"
                  aria-label="Settings of project ${project.name}"
                  title="Project settings"
                  @click=${() => this._fire("project-edit", { projectId: project.id })}
                >
                  ${pencilIcon}
                </button>
                <button
                  class="icon"
                  type="button"
                  aria-label="Delete project ${project.name}"
                  title="Delete project"
                  @click=${() => this._fire("project-delete", { projectId: project.id })}
                >
                  ${trashIcon}
                </button>
              </div>
              ${
                open
                  ? html`<div class="project-chats" id="project-${project.id}">
                      <button class="quiet" type="button" @click=${() => this._fire("project-chat-new", { projectId: project.id })}>
                        ${plusIcon} New chat in ${project.name}
                      </button>
                      ${this._renderItems(chats)}
                    </div>`
                  : nothing
              }
            </li>`;
          },
        )}
      </ul>
    </section>`;
  }

  private _renderArchived() {
    return html`<section aria-labelledby="archived-heading">
      <h3 id="archived-heading">Archived chats</h3>
      ${this._renderItems(this.archivedChats)}
      ${this.archivedChats.length === 0 ? html`<p class="note">No archived chats.</p>` : nothing}
    </section>`;
  }

  private _renderChats() {
    const archiveToggle = html`<button class="quiet archive-toggle" type="button" @click=${this._onArchiveToggle}>
      ${this._showArchived ? "Back to chats" : "Archived"}
    </button>`;
    if (this._showArchived) return html`${this._renderArchived()}${archiveToggle}`;
    const now = new Date();
    const groups = new Map<string, Chat[]>();
    // A chat of a project not listed (the projects did not load) stays among the others.
    const listedProjects = new Set(this.projects.map((project) => project.id));
    for (const chat of this.chats) {
      if (chat.pinned || (chat.projectId && listedProjects.has(chat.projectId))) continue;
      const group = groupOf(chat.lastActivityAt, now);
      groups.set(group, [...(groups.get(group) ?? []), chat]);
    }
    return html`
      ${this._renderPinned()} ${this._renderProjects()}
      ${repeat(
        groups,
        ([group]) => group,
        ([group, chats]) => html`<section aria-label=${group}>
          <h3 aria-hidden="true">${group}</h3>
          ${this._renderItems(chats)}
        </section>`,
      )}
      ${
        this.error
          ? html`<p class="note error" role="alert">
              ${this.error} <button class="quiet" type="button" @click=${this._onRetryClick}>Try again</button>
            </p>`
          : nothing
      }
      ${this.loading ? html`<p class="note" role="status">Loading chats…</p>` : nothing}
      ${!this.loading && !this.error && this.chats.length === 0 ? html`<p class="note">No chats yet.</p>` : nothing}
      ${archiveToggle}
    `;
  }

  private _renderResults() {
    const search = this._search;
    const current = search.answer?.query === search.query;
    // The results of the text before stay, dimmed, until those of the new one arrive.
    const answer = current || search.loading ? search.answer : undefined;
    return html`
      ${
        answer && answer.results.length > 0
          ? html`<ul class="results" aria-label="Search results" aria-busy=${current ? "false" : "true"}>
              ${repeat(
                answer.results,
                (hit) => hit.chat.id,
                (hit) =>
                  html`<li>
                    <chat-search-result
                      .hit=${hit}
                      query=${answer.query}
                      ?selected=${hit.chat.id === this.selectedId}
                    ></chat-search-result>
                  </li>`,
              )}
            </ul>`
          : nothing
      }
      ${
        search.error
          ? html`<p class="note error" role="alert">
              ${search.error.message}
              <button class="quiet" type="button" @click=${this._onSearchRetryClick}>Try again</button>
            </p>`
          : nothing
      }
      ${current && search.loading ? html`<p class="note">Loading more results…</p>` : nothing}
    `;
  }

  /** What the live status line says about the search: announced to screen readers as it changes. */
  private _searchStatus(): string {
    const search = this._search;
    if (!search.query) return "";
    const answer = search.answer?.query === search.query ? search.answer : undefined;
    if (!answer) return search.loading ? "Searching…" : "";
    const count = answer.results.length;
    if (count === 0) return "No chat matches.";
    const found = `${count} ${count === 1 ? "chat" : "chats"} found`;
    return answer.nextCursor === null ? found : `At least ${found}`;
  }

  private _maybeLoadMore(): void {
    const searching = this._search.query !== "";
    const more = searching ? this._search.canLoadMore : this.hasMore && !this.loading && !this.error;
    if (!more || !this._nav || !this._sentinel) return;
    const view = this._nav.getBoundingClientRect();
    const end = this._sentinel.getBoundingClientRect();
    if (view.height === 0 || end.top > view.bottom + 200) return;
    if (searching) void this._search.loadMore();
    else this.dispatchEvent(new CustomEvent("chats-more", { bubbles: true, composed: true }));
  }

  private _onSearchInput(event: Event): void {
    this._searchText = (event.target as HTMLInputElement).value;
    this._search.search(this._searchText);
    this._nav?.scrollTo(0, 0);
  }

  private _onSearchKeyDown(event: KeyboardEvent): void {
    if (event.key === "Escape" && this._searchText) {
      event.stopPropagation();
      this._searchText = "";
      this._search.search("");
    }
  }

  private _onNewProjectClick(): void {
    this._fire("project-new", undefined);
  }

  private _onProjectToggle(projectId: string): void {
    const open = new Set(this._openProjects);
    if (open.delete(projectId)) {
      this._openProjects = open;
      return;
    }
    this._openProjects = open.add(projectId);
    this._fire("project-open", { projectId });
  }

  /** Puts the focus on a chat's link; false when the chat is not shown. */
  async focusChat(chatId: string): Promise<boolean> {
    await this.updateComplete;
    const items = [...this.renderRoot.querySelectorAll("chat-list-item")];
    const item = items.find((candidate) => candidate.chat?.id === chatId);
    if (!item) return false;
    await item.updateComplete;
    item.focusLink();
    return true;
  }

  /** Opens a project, so that its chats show. */
  openProject(projectId: string): void {
    if (!this._openProjects.has(projectId)) this._onProjectToggle(projectId);
  }

  /** Switches between the chats and the archive; the focus stays on the switch, drawn anew. */
  private async _onArchiveToggle(): Promise<void> {
    this._showArchived = !this._showArchived;
    if (this._showArchived) this._fire("archive-open", undefined);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(".archive-toggle")?.focus();
  }

  private _fire(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private _onRetryClick(): void {
    this.dispatchEvent(new CustomEvent("chats-retry", { bubbles: true, composed: true }));
  }

  private _onSearchRetryClick(): void {
    void this._search.retry();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-list": ChatList;
  }
}

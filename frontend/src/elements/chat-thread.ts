import type { Chat, MessageAttachment, ModelSummary } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { ApiError, apiClient } from "../api-client.ts";
import "./chat-settings-dialog.ts";
import "./share-dialog.ts";
import { routePath } from "../app-route.ts";
import { ChatStreamController } from "../controllers/chat-stream-controller.ts";
import { ScrollFollowController } from "../controllers/scroll-follow-controller.ts";
import type { StreamStatus } from "../live/resumable-event-stream.ts";
import { isPlainLeftClick } from "../plain-left-click.ts";
import { baseStyles } from "./base-styles.ts";
import { arrowDownIcon, headsetIcon } from "./icons.ts";
import type { MessageComposer } from "./message-composer.ts";
import "./chat-message.ts";
import "./connection-pill.ts";
import "./message-composer.ts";

/**
 * The open chat — its history, the live answer and the composer — or, without a chat id, a new
 * chat that is created when its first message is sent.
 *
 * @slot header-start - Put before the title (the app's menu button on small screens).
 * @fires chat-updated - The chat changed (title, model or activity); detail `{ chat }`.
 * @fires chat-created - Sending the first message created a chat; detail `{ chat }`.
 * @fires chat-discarded - The chat just created was deleted: its first message was refused; detail `{ chatId }`.
 * @fires new-chat-start - "Start a new chat" was picked on a chat that was not found.
 */
@customElement("chat-thread")
export class ChatThread extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        position: relative;
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 10px;
        min-height: 56px;
        padding: 10px 20px;
        border-bottom: 1px solid var(--border);
      }
      /* The title keeps room for a few words; past that the chat's buttons go to a second row. */
      h1 {
        flex: 1 1 10em;
        min-width: 0;
        margin: 0;
        font-size: 16px;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .scroller {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
      }
      .scroller:focus-visible {
        outline-offset: -3px;
      }
      .messages {
        display: flex;
        flex-direction: column;
        gap: 22px;
        max-width: 48rem;
        margin: 0 auto;
        padding: 28px 20px 20px;
      }
      .notice {
        display: grid;
        place-content: center;
        justify-items: center;
        gap: 6px;
        min-height: 100%;
        padding: 40px 20px;
        text-align: center;
        color: var(--text-muted);
      }
      .notice h2 {
        margin: 0;
        color: var(--text);
        font-size: 22px;
        font-weight: 650;
      }
      .notice p {
        margin: 0 0 10px;
        max-width: 36rem;
      }
      .older {
        margin: 0;
        text-align: center;
        font-size: 12px;
        color: var(--text-muted);
      }
      .jump {
        position: absolute;
        left: 50%;
        bottom: calc(100% + 12px);
        transform: translateX(-50%);
        padding: 6px 14px 6px 10px;
        border: 1px solid var(--border);
        border-radius: 999px;
        background: var(--surface);
        box-shadow: var(--shadow-raised);
        font-size: 13px;
        white-space: nowrap;
      }
      .jump:hover {
        background: var(--surface-muted);
      }
      .composer {
        position: relative;
        width: 100%;
        max-width: 48rem;
        margin: 0 auto;
        padding: 4px 20px 14px;
      }
      .banner {
        display: flex;
        align-items: center;
        gap: 8px;
        margin-bottom: 8px;
        padding: 6px 6px 6px 12px;
        border-radius: 10px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 14px;
      }
      .banner span {
        flex: 1;
      }
      .banner button {
        color: var(--danger);
      }
      .help {
        padding: 4px 12px;
        border: 1px solid var(--border);
        border-radius: 999px;
        font-size: 13px;
        white-space: nowrap;
      }
      .assistance {
        display: flex;
        align-items: center;
        gap: 8px;
        margin-bottom: 8px;
        padding: 6px 6px 6px 12px;
        border-radius: 10px;
        background: var(--surface-muted);
        font-size: 14px;
      }
      .assistance span {
        flex: 1;
      }
      @media (max-width: 760px) {
        header {
          padding: 8px 12px;
        }
        h1 {
          flex-basis: 6em;
        }
        .messages {
          padding: 18px 14px 14px;
        }
        .composer {
          padding: 4px 10px 10px;
        }
      }
    `,
  ];

  /** The chat to show; none means a new chat. */
  @property({ attribute: "chat-id" }) chatId?: string;
  @property({ attribute: false }) models: ModelSummary[] = [];
  @property({ attribute: "default-model" }) defaultModel?: string;
  /** The project a new chat started here is created in, and its name for the heading. */
  @property({ attribute: "project-id" }) projectId?: string;
  @property({ attribute: "project-name" }) projectName?: string;
  /** A search result's message: shown (older pages loaded as needed) with the searched text marked. */
  @property({ attribute: false }) found?: { messageId: string; query: string };
  /** The `found` already brought into view, so new renders leave the reader where they are. */
  private _shownFound: { messageId: string; query: string } | undefined;
  /** The user's own stream, shown in the pill while no chat is open. */
  @property({ attribute: "user-connection" }) userConnection: StreamStatus = "connecting";

  @state() private _draftModel: string | undefined;
  @state() private _creating = false;
  @state() private _createError: string | undefined;

  @query(".scroller") private _scroller?: HTMLElement;
  @query(".messages") private _messages?: HTMLElement;
  @query("message-composer") private _composer?: MessageComposer;

  private readonly _stream = new ChatStreamController(this, {
    onChatUpdated: (chat) => this._fire("chat-updated", { chat }),
  });
  private readonly _scroll = new ScrollFollowController(this);

  /** Puts the focus in the message box. */
  focusComposer(): void {
    this._composer?.focus();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("chatId")) {
      this._stream.open(this.chatId);
      this._scroll.following = true;
      // Kept when the view goes back to a new chat because its first message was refused.
      if (this.chatId) this._createError = undefined;
    }
  }

  override updated(): void {
    this._scroll.attach(this._scroller, this._messages);
    void this._showFound();
  }

  /**
   * Brings `found` into view once its chat's history is loaded: older pages first while the message
   * is not among those shown (at most 50 of them), then scrolled to the middle and marked.
   */
  private async _showFound(): Promise<void> {
    const found = this.found;
    const stream = this._stream;
    if (!found || found === this._shownFound || stream.history !== "loaded" || stream.loadingOlder) return;
    const element = this.renderRoot.querySelector<HTMLElement>(
      `chat-message[data-message-id="${CSS.escape(found.messageId)}"]`,
    );
    if (!element) {
      if (!stream.hasOlderMessages || (this._olderPagesForFound ?? 0) >= 50) {
        this._shownFound = found;
        return;
      }
      this._olderPagesForFound = (this._olderPagesForFound ?? 0) + 1;
      this._scroll.following = false;
      await stream.loadOlder();
      return;
    }
    this._shownFound = found;
    this._olderPagesForFound = 0;
    this._scroll.following = false;
    element.setAttribute("highlight", found.query);
    // After the frame that lays out the pages just added, which may still move what is in view.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    element.scrollIntoView({ block: "center" });
  }

  private _olderPagesForFound: number | undefined;

  override render() {
    const stream = this._stream;
    const chat = stream.chat;
    const newChatTitle = this.projectId && this.projectName ? `New chat in ${this.projectName}` : "New chat";
    const title = this.chatId ? (chat?.title ?? "") : newChatTitle;
    const model = chat?.model ?? this._draftModel ?? this.defaultModel;
    return html`
      <header>
        <slot name="header-start"></slot>
        <h1 title=${title}>${title || "Loading…"}</h1>
        ${this._renderHelpButton()}
        ${
          this.chatId && chat
            ? html`<chat-settings-dialog .chat=${chat} .models=${this.models}></chat-settings-dialog>
                <share-dialog chat-id=${this.chatId}></share-dialog>`
            : nothing
        }
        <connection-pill status=${this.chatId ? stream.connection : this.userConnection}></connection-pill>
      </header>
      <div class="scroller" tabindex="0" aria-label="Conversation">${this._renderBody()}</div>
      <div class="composer">
        ${
          !this._scroll.following && stream.messages.length > 0
            ? html`<button class="jump" type="button" @click=${this._onJumpClick}>${arrowDownIcon} Jump to latest</button>`
            : nothing
        }
        ${this._renderBanner()} ${this._renderAssistance()}
        <message-composer
          ?busy=${this._creating || (this.chatId !== undefined && (stream.busy || stream.history !== "loaded"))}
          ?answering=${stream.answering}
          ?stopping=${stream.stopping}
          .models=${this.models}
          model=${model ?? ""}
          @message-send=${this._onMessageSend}
          @answer-stop=${this._onAnswerStop}
          @model-change=${this._onModelChange}
        ></message-composer>
      </div>
    `;
  }

  private _renderBody() {
    const stream = this._stream;
    if (this.chatId && stream.history === "failed" && stream.historyError) {
      const missing = stream.historyError.status === 404;
      return html`<div class="notice" role="alert">
        <h2>${missing ? "Chat not found" : "This chat could not be loaded"}</h2>
        <p>${missing ? "It may have been deleted." : stream.historyError.message}</p>
        ${
          missing
            ? html`<a href=${routePath({ kind: "new-chat" })} @click=${this._onNewChatClick}>Start a new chat</a>`
            : html`<button class="ghost" type="button" @click=${this._onReloadClick}>Try again</button>`
        }
      </div>`;
    }
    if (!this.chatId || (stream.history === "loaded" && stream.messages.length === 0)) {
      const model = stream.chat?.model ?? this._draftModel ?? this.defaultModel;
      return html`<div class="notice">
        <h2>What can I help with?</h2>
        ${model ? html`<p class="model-name">${this._modelLabel(model)} answers this chat.</p>` : nothing}
        <p>Ask anything. Answers stream in as they are written; code comes highlighted, ready to copy.</p>
      </div>`;
    }
    if (stream.history === "loading" && stream.messages.length === 0) {
      return html`<div class="notice" role="status"><p>Loading messages…</p></div>`;
    }
    const regenerableId = stream.regenerableAnswerId;
    return html`<div class="messages" role="log" aria-live="polite" aria-label="Messages">
      ${
        stream.hasOlderMessages
          ? html`<p class="older">
              <button class="quiet" type="button" ?disabled=${stream.loadingOlder} @click=${this._onOlderClick}>
                ${stream.loadingOlder ? "Loading earlier messages…" : "Show earlier messages"}
              </button>
            </p>`
          : nothing
      }
      ${repeat(
        stream.messages,
        (message) => message.clientMessageId ?? message.id,
        (message) =>
          html`<chat-message
            .message=${message}
            data-message-id=${message.id}
            model-label=${message.role === "assistant" && message.model ? this._modelLabel(message.model) : ""}
            ?regenerable=${message.id === regenerableId}
            ?editable=${!stream.busy && stream.history === "loaded"}
            @message-retry=${this._onMessageRetry}
            @message-regenerate=${this._onMessageRegenerate}
            @message-edit=${this._onMessageEdit}
            @message-switch=${this._onMessageSwitch}
          ></chat-message>`,
      )}
    </div>`;
  }

  private _renderBanner() {
    const text = this._createError ?? this._stream.thread.threadError?.message;
    if (!text) return nothing;
    return html`<div class="banner" role="alert">
      <span>${text}</span>
      <button class="quiet" type="button" @click=${this._onDismissClick}>Dismiss</button>
    </div>`;
  }

  /** "Ask a person" while nobody is asked or holds the chat. */
  private _renderHelpButton() {
    const chat = this._stream.chat;
    if (!this.chatId || !chat || chat.needsHelp || this._heldBy()) return nothing;
    return html`<button class="help quiet" type="button" aria-label="Ask a person" @click=${this._onAskPersonClick}>
      ${headsetIcon}<span class="wide-only">Ask a person</span>
    </button>`;
  }

  /** Who is in the chat, or that a person was asked (with a way to withdraw it). */
  private _renderAssistance() {
    const chat = this._stream.chat;
    if (!this.chatId || !chat) return nothing;
    const holder = this._heldBy();
    if (holder) {
      return html`<div class="assistance" role="status">
        <span>${holder} is answering in this chat.</span>
      </div>`;
    }
    if (!chat.needsHelp) return nothing;
    return html`<div class="assistance" role="status">
      <span>A person was asked. They will join this chat.</span>
      <button class="quiet" type="button" @click=${this._onCancelHelpClick}>Cancel request</button>
    </div>`;
  }

  /** The name of the agent holding the chat, while the hold lasts. */
  private _heldBy(): string | undefined {
    const hold = this._stream.chat?.heldBy;
    if (!hold || Date.parse(hold.expiresAt) <= Date.now()) return undefined;
    return hold.name;
  }

  private _onAskPersonClick(): void {
    void this._stream.requestHelp();
  }

  private _onCancelHelpClick(): void {
    void this._stream.cancelHelpRequest();
  }

  private _modelLabel(modelId: string): string {
    return this.models.find((model) => model.id === modelId)?.displayName ?? modelId;
  }

  private async _onMessageSend(
    event: CustomEvent<{ content: string; attachments?: MessageAttachment[] }>,
  ): Promise<void> {
    this._scroll.jumpToLatest();
    this._createError = undefined;
    const { content, attachments = [] } = event.detail;
    if (!this.chatId) await this._startChat(content, attachments);
    else if (!(await this._stream.send(content, attachments))) this._composer?.restore(content, attachments);
  }

  /**
   * A new chat, created with its first message so that empty chats do not pile up. When the
   * server refuses that message (a rate limit, an outage), the chat is deleted again: the view
   * goes back to a new chat, with the text back in the composer and the refusal above it.
   */
  private async _startChat(content: string, attachments: MessageAttachment[]): Promise<void> {
    this._creating = true;
    let chat: Chat | undefined;
    try {
      const model = this._draftModel ?? this.defaultModel;
      chat = await apiClient.createChat({
        ...(model ? { model } : {}),
        ...(this.projectId ? { projectId: this.projectId } : {}),
      });
      this._stream.open(chat.id, chat);
      this._fire("chat-created", { chat });
      await this._stream.sendFirst(content, attachments);
    } catch (error) {
      if (chat && (await this._deleteUnanswered(chat.id))) this._fire("chat-discarded", { chatId: chat.id });
      const fallback = chat ? "The message could not be sent." : "The chat could not be created.";
      this._createError = ApiError.isInstance(error) ? error.message : fallback;
      this._composer?.restore(content, attachments);
    } finally {
      this._creating = false;
    }
  }

  /** Deletes a chat whose first message was refused; false when it could not be (it then stays, empty). */
  private async _deleteUnanswered(chatId: string): Promise<boolean> {
    try {
      await apiClient.deleteChat(chatId);
      return true;
    } catch (error) {
      return ApiError.isInstance(error) && error.code === "CHAT_NOT_FOUND";
    }
  }

  /** Loads the page before the first message shown, and keeps that message where the reader sees it. */
  private async _onOlderClick(): Promise<void> {
    this._scroll.following = false;
    const scroller = this._scroller;
    const anchor = this.renderRoot.querySelector<HTMLElement>("chat-message");
    const offsetOf = (element: HTMLElement) =>
      element.getBoundingClientRect().top - (scroller?.getBoundingClientRect().top ?? 0);
    const before = anchor ? offsetOf(anchor) : 0;
    await this._stream.loadOlder();
    await this.updateComplete;
    // The messages added above lay out in the next frame; then the view moves down by what they took.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    if (scroller && anchor?.isConnected) scroller.scrollTop += offsetOf(anchor) - before;
  }

  private _onAnswerStop(): void {
    // The Stop button goes away with the answer: the focus waits where the next message is written,
    // except on touch screens, where it would open the keyboard.
    if (!matchMedia("(pointer: coarse)").matches) this.focusComposer();
    void this._stream.cancel();
  }

  private _onModelChange(event: CustomEvent<{ model: string }>): void {
    if (this.chatId) void this._stream.changeModel(event.detail.model);
    else this._draftModel = event.detail.model;
  }

  private _onMessageRetry(event: CustomEvent<{ messageId: string }>): void {
    this._scroll.jumpToLatest();
    void this._stream.retry(event.detail.messageId);
  }

  private _onMessageRegenerate(event: CustomEvent<{ messageId: string }>): void {
    this._scroll.jumpToLatest();
    // The button goes away while the answer is written again: keyboard focus goes where typing continues.
    const button = event.composedPath()[0];
    if (button instanceof Element && button.matches(":focus-visible")) this.focusComposer();
    void this._stream.regenerate(event.detail.messageId);
  }

  private async _onMessageEdit(event: CustomEvent<{ messageId: string; content: string }>): Promise<void> {
    this._scroll.jumpToLatest();
    this.focusComposer();
    await this._stream.edit(event.detail.messageId, event.detail.content);
  }

  private _onMessageSwitch(event: CustomEvent<{ messageId: string }>): void {
    void this._stream.switchBranch(event.detail.messageId);
  }

  private _onJumpClick(): void {
    this._scroll.jumpToLatest({ smooth: true });
    this.focusComposer();
  }

  private _onNewChatClick(event: MouseEvent): void {
    if (!isPlainLeftClick(event)) return;
    event.preventDefault();
    this._fire("new-chat-start", undefined);
  }

  private _onReloadClick(): void {
    this._stream.reload();
  }

  private _onDismissClick(): void {
    this._createError = undefined;
    this._stream.dismissThreadError();
  }

  private _fire(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-thread": ChatThread;
  }
}
